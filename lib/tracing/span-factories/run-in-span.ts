import type { FailureReporter } from '../../errors/failure-reporter';
import type { OperationFrame, OutcomeObserver } from '../../hooks/operation-frame';
import type { CqrsSpan } from './cqrs-span.interface';

const NOT_RUN = 0;
const RETURNED = 1;
const THREW = 2;

/**
 * Runs the rest of `frame`'s chain as the operation of `span` — active while it runs, ended
 * by `observer` when it settles (no observer: a span with nothing to end) — and hands back exactly what the chain returned or threw. A
 * span whose `runInContext` throws (a custom `SpanFactory`, a broken OpenTelemetry context
 * manager), swallows the result or replaces it cannot change the operation: before the chain
 * ran, the span is abandoned (ended, reported) and the chain runs without it; after, its own
 * failure is reported and the operation's outcome wins.
 */
export function runInSpan(
  span: CqrsSpan,
  frame: OperationFrame,
  observer: OutcomeObserver<CqrsSpan> | undefined,
  reporter: FailureReporter,
  source: string,
): unknown {
  let state = NOT_RUN;
  let outcome: unknown;
  try {
    span.runInContext(() => {
      try {
        // Watched first: the span ends after the signals inside it have seen the outcome.
        if (observer !== undefined) frame.watch(observer, span);
        outcome = frame.proceed();
        state = RETURNED;
      } catch (error) {
        outcome = error;
        state = THREW;
      }
      return outcome;
    });
  } catch (failure) {
    if (state === NOT_RUN) {
      reporter.report(source, failure);
      endQuietly(span, reporter, source);
      return frame.proceed();
    }
    // The function never throws (it keeps the outcome), so this is the span's own failure.
    reporter.report(source, failure);
  }
  if (state === THREW) throw outcome;
  if (state === RETURNED) return outcome;
  // runInContext returned without calling its function: the span cannot hold the operation.
  reporter.report(source, new Error('CqrsSpan.runInContext() did not call its function'));
  endQuietly(span, reporter, source);
  return frame.proceed();
}

function endQuietly(span: CqrsSpan, reporter: FailureReporter, source: string): void {
  try {
    span.end();
  } catch (error) {
    reporter.report(source, error);
  }
}
