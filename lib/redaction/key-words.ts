/**
 * How a key or a field-list entry is cut into words before it is compared. Keys are written in
 * every style TypeScript, HTTP and JSON use (`apiKey`, `API_KEY`, `x-api-key`, `Api Key`,
 * `ＡＰＩ＿ＫＥＹ`), so they are compared as lowercase word lists rather than as strings.
 */

// Marks (accents, the dot of `İ`) and characters that render as nothing (zero-width space and
// joiners, soft hyphen, BOM, variation selectors): a key that looks like `password` is `password`.
const FOLDED_AWAY = /[\p{M}\p{Default_Ignorable_Code_Point}]/gu;

// An acronym before a capitalised word (`API` in `APIKey`), a capitalised or lowercase word, an
// all-caps word, a run of digits. Everything else (`_`, `-`, `.`, spaces, punctuation) separates.
const WORD = /\p{Lu}+(?=\p{Lu}\p{Ll})|\p{Lu}?[\p{Ll}\p{Lm}\p{Lo}]+|\p{Lu}+|\p{N}+/gu;

const DIGITS = /^\p{N}+$/u;

/**
 * The words of a key, lowercase, after Unicode compatibility folding (NFKC), with marks and
 * invisible characters removed and trailing numbers dropped (`address2` is `address`):
 * `x-api-key` → `['x', 'api', 'key']`, `userEmail` → `['user', 'email']`.
 */
export function keyWords(key: string): string[] {
  const folded = key.normalize('NFKC').normalize('NFD').replace(FOLDED_AWAY, '');
  const words = folded.match(WORD) ?? [];
  let end = words.length;
  while (end > 1 && DIGITS.test(words[end - 1]!)) end--;
  const out: string[] = [];
  for (let i = 0; i < end; i++) out.push(words[i]!.toLowerCase());
  return out;
}
