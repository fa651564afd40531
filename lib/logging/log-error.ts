import type { CqrsLogError } from './logging.constants';

/**
 * `err` of a log line: type, message and stack, the shape pino's error serializer writes — and
 * nothing else. Enumerable fields of the error (an HTTP client's request config, a validation
 * error's values) are left out: they are not redacted and may hold secrets.
 *
 * The object has no prototype so that pino's own `err` serializer, when it runs on it, keeps
 * the type instead of renaming it `Object`.
 */
export function toLogError(error: unknown): CqrsLogError {
  const err = Object.create(null) as CqrsLogError;
  if (error instanceof Error || isErrorLike(error)) {
    err.type = typeNameOf(error);
    err.message = String(error.message);
    if (typeof error.stack === 'string') err.stack = error.stack;
    return err;
  }
  err.type = error === null ? 'null' : typeof error;
  err.message = describe(error);
  return err;
}

function isErrorLike(value: unknown): value is Error {
  return (
    value !== null && typeof value === 'object' && typeof (value as Error).message === 'string'
  );
}

function typeNameOf(error: Error): string {
  const constructorName = (error.constructor as { name?: unknown } | undefined)?.name;
  if (typeof constructorName === 'string' && constructorName !== '') return constructorName;
  return typeof error.name === 'string' ? error.name : 'Error';
}

function describe(value: unknown): string {
  try {
    return String(value);
  } catch {
    return 'unprintable value';
  }
}
