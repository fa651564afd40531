/**
 * Whether `value` is a promise or another thenable. A `then` getter that throws makes it a
 * plain value, as the bus returns it untouched (the caller's own `await` then sees the throw).
 */
export function isThenable(value: unknown): value is PromiseLike<unknown> {
  if (value === null || (typeof value !== 'object' && typeof value !== 'function')) return false;
  if (value instanceof Promise) return true;
  try {
    return typeof (value as PromiseLike<unknown>).then === 'function';
  } catch {
    return false;
  }
}
