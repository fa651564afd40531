/**
 * fnmatch-style operation patterns, matched against the whole operation name and
 * case-sensitively (Python's `fnmatchcase`, which the reference toolkit uses): `*` matches
 * any run of characters including dots, `?` one character, `[seq]` / `[!seq]` a character
 * in / not in the set. A `[` without its closing `]` is a literal.
 */
export type OperationMatcher = (operation: string) => boolean;

const EVERYTHING: OperationMatcher = () => true;

export function compileOperationPattern(pattern: string): OperationMatcher {
  if (pattern === '*') return EVERYTHING;
  if (!/[*?[]/.test(pattern)) return (operation) => operation === pattern;
  const star = pattern.indexOf('*');
  if (star === pattern.length - 1 && !/[?[]/.test(pattern)) {
    const prefix = pattern.slice(0, -1);
    return (operation) => operation.startsWith(prefix);
  }
  const regex = new RegExp(`^${translate(pattern)}$`, 's');
  return (operation) => regex.test(operation);
}

export function compileOperationPatterns(patterns: readonly string[]): OperationMatcher {
  const matchers = patterns.map(compileOperationPattern);
  if (matchers.includes(EVERYTHING)) return EVERYTHING;
  if (matchers.length === 1) return matchers[0]!;
  return (operation) => matchers.some((match) => match(operation));
}

function translate(pattern: string): string {
  let out = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '*') {
      out += '.*';
    } else if (c === '?') {
      out += '.';
    } else if (c === '[') {
      const end = findClassEnd(pattern, i);
      if (end < 0) {
        out += '\\[';
        continue;
      }
      let body = pattern.slice(i + 1, end);
      const negated = body.startsWith('!');
      if (negated) body = body.slice(1);
      out += `[${negated ? '^' : ''}${body.replace(/[\\\]^]/g, '\\$&')}]`;
      i = end;
    } else {
      out += c.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
    }
  }
  return out;
}

/** Index of the `]` closing the class opened at `open`, or -1 (then `[` is a literal). */
function findClassEnd(pattern: string, open: number): number {
  let j = open + 1;
  if (pattern[j] === '!') j++;
  // A `]` right after `[` or `[!` belongs to the set, as in fnmatch.
  if (pattern[j] === ']') j++;
  const end = pattern.indexOf(']', j);
  return end;
}
