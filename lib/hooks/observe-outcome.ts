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
  operation: object,
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
  const carrier = operation as { [SETTLEMENT]?: Settlement };
  const pending = carrier[SETTLEMENT];
  if (pending !== undefined && pending.promise === result && !pending.settled) {
    pending.entries.push(observer, state, source);
    return result;
  }
  const settlement = new Settlement(reporter, observer, state, source);
  // A foreign thenable may call back twice, synchronously, or both ways: adopting it into a
  // native promise settles it once, to what the caller's own `await` would have given.
  const adopted = result instanceof Promise ? result : Promise.resolve(result);
  settlement.promise = adopted.then(
    (value) => settlement.succeed(value),
    (error: unknown) => settlement.fail(error),
  );
  carrier[SETTLEMENT] = settlement;
  return settlement.promise;
}

const SETTLEMENT = Symbol('cqrs-observability.settlement');

/**
 * The observers of one operation's pending result. The built-in interceptors of an operation
 * all see the same promise as the stack unwinds, so one `then` tells them all — innermost
 * first, as separate chains would — instead of one promise chain each.
 */
class Settlement {
  promise: PromiseLike<unknown> | undefined;
  settled = false;
  /** Flat triples of observer, state and source: no object per observer. */
  readonly entries: unknown[];

  constructor(
    private readonly reporter: FailureReporter,
    observer: OutcomeObserver<any>,
    state: unknown,
    source: string,
  ) {
    this.entries = [observer, state, source];
  }

  succeed(value: unknown): unknown {
    this.settled = true;
    const entries = this.entries;
    for (let i = 0; i < entries.length; i += 3) {
      notifySuccess(
        entries[i] as OutcomeObserver<unknown>,
        entries[i + 1],
        value,
        this.reporter,
        entries[i + 2] as string,
      );
    }
    return value;
  }

  fail(error: unknown): never {
    this.settled = true;
    const entries = this.entries;
    for (let i = 0; i < entries.length; i += 3) {
      notifyError(
        entries[i] as OutcomeObserver<unknown>,
        entries[i + 1],
        error,
        this.reporter,
        entries[i + 2] as string,
      );
    }
    throw error;
  }
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
