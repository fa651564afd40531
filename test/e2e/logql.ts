import { parser } from '@grafana/lezer-logql';

/**
 * LogQL read with Grafana's own parser (`@grafana/lezer-logql`, the grammar of Grafana's Loki
 * query editor). Lezer never throws: what it cannot read becomes error nodes in the tree.
 */

/** Where the parser found something that is not LogQL (empty when the query parses). */
export function logqlErrors(query: string): string[] {
  const errors: string[] = [];
  parser.parse(query).iterate({
    enter(node) {
      if (node.type.isError) errors.push(`at ${node.from}: "${query.slice(node.from, node.to)}"`);
    },
  });
  return errors;
}

export interface StreamMatcher {
  readonly label: string;
  readonly operator: string;
  readonly value: string;
}

/** Every matcher of the query's stream selectors (`{…}`), not of its pipeline label filters. */
export function streamMatchers(query: string): StreamMatcher[] {
  const matchers: StreamMatcher[] = [];
  parser.parse(query).iterate({
    enter({ name, node }) {
      if (name !== 'Matcher') return;
      let owner = node.parent;
      while (owner?.name === 'Matchers') owner = owner.parent;
      if (owner?.name !== 'Selector') return;
      const label = node.firstChild;
      const operator = label?.nextSibling;
      const value = operator?.nextSibling;
      if (!label || !operator || !value) return;
      const quoted = query.slice(value.from, value.to);
      matchers.push({
        label: query.slice(label.from, label.to),
        operator: query.slice(operator.from, operator.to),
        // "…" is a Go string (escapes), `…` a raw one.
        value: quoted.startsWith('"') ? (JSON.parse(quoted) as string) : quoted.slice(1, -1),
      });
    },
  });
  return matchers;
}
