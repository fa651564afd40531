import type { SentryCaptureContext } from './sentry.options';

/**
 * The default of `sentry.shouldCapture`: everything except `HttpException`s with a status below
 * 500 — a 404 or a 400 is an answer, not a bug. Exported to compose your own predicate.
 */
export function defaultShouldCapture(error: unknown, _context?: SentryCaptureContext): boolean {
  const status = httpStatusOf(error);
  return status === undefined || status >= 500;
}

/** The status of a Nest `HttpException` (any copy of @nestjs/common), else undefined. */
function httpStatusOf(error: unknown): number | undefined {
  if (error === null || typeof error !== 'object') return undefined;
  const candidate = error as { getStatus?: unknown; getResponse?: unknown };
  if (typeof candidate.getStatus !== 'function' || typeof candidate.getResponse !== 'function') {
    return undefined;
  }
  const status: unknown = (candidate.getStatus as () => unknown).call(error);
  return typeof status === 'number' ? status : undefined;
}
