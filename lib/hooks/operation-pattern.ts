/**
 * fnmatch-style operation patterns, matched against the whole operation name and
 * case-sensitively (the semantics of Python's `fnmatchcase`): `*` matches
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
      out += translateSet(pattern.slice(i + 1, end));
      i = end;
    } else {
      out += c.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
    }
  }
  return out;
}

/**
 * The regex for a set's content (between `[` and `]`, a leading `!` included), as Python's
 * fnmatch builds it: a range whose ends are out of order is dropped rather than made an
 * invalid RegExp, a set left empty matches nothing, and `[!]`-like leftovers match any character.
 */
function translateSet(set: string): string {
  let body: string;
  if (!set.includes('-')) {
    body = escapeSetChars(set);
  } else {
    // Split at the hyphens that make ranges: `a-cx-z` → ['a', 'cx', 'z'].
    const chunks: string[] = [];
    let start = 0;
    let k = set.startsWith('!') ? 2 : 1;
    for (;;) {
      k = set.indexOf('-', k);
      if (k < 0) break;
      chunks.push(set.slice(start, k));
      start = k + 1;
      k += 3;
    }
    const rest = set.slice(start);
    if (rest) chunks.push(rest);
    else chunks[chunks.length - 1] += '-';
    for (let c = chunks.length - 1; c > 0; c--) {
      const low = chunks[c - 1]!;
      const high = chunks[c]!;
      if (low.slice(-1) > high.slice(0, 1)) {
        chunks[c - 1] = low.slice(0, -1) + high.slice(1);
        chunks.splice(c, 1);
      }
    }
    body = chunks.map((chunk) => escapeSetChars(chunk).replace(/-/g, '\\-')).join('-');
  }
  if (body === '') return '(?!)';
  if (body === '!') return '.';
  return body.startsWith('!') ? `[^${body.slice(1)}]` : `[${body}]`;
}

/** Characters that mean something inside a RegExp set; `-` is left to the caller. */
function escapeSetChars(chars: string): string {
  return chars.replace(/[\\\]^[]/g, '\\$&');
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
