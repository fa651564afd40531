import type { FailureReporter } from '../errors/failure-reporter';
import { isThenable } from './pipeline';

/** Callbacks a signal runs when an operation settles. Their failures never reach the caller. */
export interface OutcomeObserver<S> {
  onSuccess(state: S, result: unknown): void;
  onError(state: S, error: unknown): void;
}

/**
 * Calls `next()` and tells `observer` how it ended — returned, resolved, threw synchronously
 * or rejected — while handing the caller the very same result or error, in the same shape:
 * a synchronous throw stays synchronous, a plain value stays plain. An observer that throws
 * is reported and ignored.
 */
export function observeOutcome<S>(
  next: () => unknown,
  observer: OutcomeObserver<S>,
  state: S,
  reporter: FailureReporter,
  source: string,
): unknown {
  let result: unknown;
  try {
    result = next();
  } catch (error) {
    notifyError(observer, state, error, reporter, source);
    throw error;
  }
  if (!isThenable(result)) {
    notifySuccess(observer, state, result, reporter, source);
    return result;
  }
  return result.then(
    (value) => {
      notifySuccess(observer, state, value, reporter, source);
      return value;
    },
    (error: unknown) => {
      notifyError(observer, state, error, reporter, source);
      throw error;
    },
  );
}

function notifySuccess<S>(
  observer: OutcomeObserver<S>,
  state: S,
  result: unknown,
  reporter: FailureReporter,
  source: string,
): void {
  try {
    observer.onSuccess(state, result);
  } catch (failure) {
    reporter.report(source, failure);
  }
}

function notifyError<S>(
  observer: OutcomeObserver<S>,
  state: S,
  error: unknown,
  reporter: FailureReporter,
  source: string,
): void {
  try {
    observer.onError(state, error);
  } catch (failure) {
    reporter.report(source, failure);
  }
}
