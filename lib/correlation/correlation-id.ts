import { isValidId } from '../shared/id-format';
import { uuidV4 } from '../shared/uuid-v4';

/** A new correlation id: a UUID v4. */
export function generateCorrelationId(): string {
  return uuidV4();
}

/**
 * Whether `value` may be used as a correlation or causation id: 1 to 128 characters of
 * `[A-Za-z0-9._:-]`. Anything else from outside (a header, a message field) is dropped, so
 * an id can never smuggle markup, newlines or a secret-sized blob into logs and traces.
 */
export function isValidCorrelationId(value: unknown): value is string {
  return isValidId(value);
}
