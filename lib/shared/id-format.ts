/**
 * The one id format: correlation, causation and message ids, whether given to a message, read
 * from a header or set in the context. Ids travel into HTTP headers, span attributes and log
 * lines, so anything that would need escaping there (markup, newlines, a secret-sized blob) is
 * refused.
 */
const ID_FORMAT = /^[A-Za-z0-9._:-]{1,128}$/;

/** How error messages name the format. */
export const ID_FORMAT_DESCRIPTION = '1 to 128 characters of [A-Za-z0-9._:-]';

/** Whether `value` is an id of the one format. */
export function isValidId(value: unknown): value is string {
  return typeof value === 'string' && ID_FORMAT.test(value);
}
