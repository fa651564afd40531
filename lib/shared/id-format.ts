/**
 * The one id format: correlation, causation and message ids, whether given to a message, read
 * from a header or set in the context. Ids travel into HTTP headers, span attributes and log
 * lines, so anything that would need escaping there (markup, newlines, a secret-sized blob) is
 * refused.
 */
// The format: /^[A-Za-z0-9._:-]{1,128}$/ (checked by a loop below, see isValidId).

/** How error messages name the format. */
export const ID_FORMAT_DESCRIPTION = '1 to 128 characters of [A-Za-z0-9._:-]';

// One entry per char code below 128: 1 where the format allows the character.
const ALLOWED = new Uint8Array(128);
for (const code of Buffer.from(
  'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._:-',
)) {
  ALLOWED[code] = 1;
}

/**
 * Whether `value` is an id of the one format. Checked on every dispatch, twice:
 * a loop over the characters, without entering the regular expression engine.
 */
export function isValidId(value: unknown): value is string {
  if (typeof value !== 'string') return false;
  const length = value.length;
  if (length === 0 || length > 128) return false;
  for (let i = 0; i < length; i++) {
    const code = value.charCodeAt(i);
    if (code >= 128 || ALLOWED[code] === 0) return false;
  }
  return true;
}
