import type { RedactedError } from '../redaction/redacted-error';
import type { CqrsLogError } from './logging.constants';

/**
 * `err` of a log line: type, message and stack, the shape pino's error serializer writes — and
 * nothing else. It is built from the redaction policy's view of the thrown value, so secret-shaped
 * text in the message or stack is already scrubbed, and enumerable fields of the error (an HTTP
 * client's request config, a validation error's values) never reach the line.
 *
 * The object has no prototype so that pino's own `err` serializer, when it runs on it, keeps
 * the type instead of renaming it `Object`.
 */
export function toLogError(error: RedactedError): CqrsLogError {
  const err = Object.create(null) as CqrsLogError;
  err.type = error.type;
  err.message = error.message;
  // A thrown primitive has no stack of its own: the RedactedError's would point at this library.
  if (!error.primitive) err.stack = error.stack;
  return err;
}
