import { RedactedError } from '../redaction/redacted-error';

/** `error.type` of a thrown value: its class name, or `_OTHER` when it has none. */
export function errorTypeOf(error: unknown): string {
  if (error instanceof RedactedError) return error.primitive ? '_OTHER' : error.type;
  try {
    if (error !== null && typeof error === 'object') {
      const name = (Object.getPrototypeOf(error) as { constructor?: { name?: unknown } } | null)
        ?.constructor?.name;
      if (typeof name === 'string' && name !== '') return name;
    }
  } catch {
    // A Proxy with a throwing trap has no readable class.
  }
  return '_OTHER';
}

/** The status message of a failed span. */
export function errorMessageOf(error: unknown): string {
  try {
    if (error instanceof Error) return error.message;
    return String(error);
  } catch {
    return 'unprintable error';
  }
}
