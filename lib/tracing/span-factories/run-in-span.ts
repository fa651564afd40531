import { context, trace } from '@opentelemetry/api';
import type { FailureReporter } from '../../errors/failure-reporter';
import type { OperationFrame, OutcomeObserver } from '../../hooks/operation-frame';
import type { CqrsSpan } from './cqrs-span.interface';
import { OpenTelemetryCqrsSpan } from './opentelemetry.span';

const NOT_RUN = 0;
const RETURNED = 1;
const THREW = 2;

/** One run of the rest of a chain inside a span: what it gave back, kept out of the context call. */
interface SpanRun {
  readonly frame: OperationFrame;
  state: number;
  outcome: unknown;
}

/**
 * Runs the rest of `frame`'s chain as the operation of `span` — active while it runs, ended
 * by `observer` when it settles — and hands back exactly what the chain returned or threw. A
 * span whose `runInContext` throws (a custom `SpanFactory`, a broken OpenTelemetry context
 * manager), swallows the result or replaces it cannot change the operation: before the chain
 * ran, the span is abandoned (ended, reported) and the chain runs without it; after, its own
 * failure is reported and the operation's outcome wins.
 *
 * The default span enters its context here, with `context.with` called directly and the run
 * passed as its argument: a nested dispatch costs neither `runInContext`'s frame nor a closure.
 */
export function runInSpan(
  span: CqrsSpan,
  frame: OperationFrame,
  observer: OutcomeObserver<CqrsSpan>,
  reporter: FailureReporter,
  source: string,
): unknown {
  // Watched first: the span ends after the signals inside it have seen the outcome.
  frame.watch(observer, span);
  const run: SpanRun = { frame, state: NOT_RUN, outcome: undefined };
  let failed = false;
  try {
    if (span instanceof OpenTelemetryCqrsSpan) {
      context.with(trace.setSpan(context.active(), span.span), proceed, undefined, run);
    } else {
      span.runInContext(() => proceed(run));
    }
  } catch (failure) {
    // The run never throws (it keeps the outcome), so this is the span's own failure.
    reporter.report(source, failure);
    failed = true;
  }
  if (run.state === THREW) throw run.outcome;
  if (run.state === RETURNED) return run.outcome;
  // The chain did not run in the span (it failed first, or never called the function): the
  // span cannot hold the operation, which runs without it.
  if (!failed) {
    reporter.report(source, new Error('CqrsSpan.runInContext() did not call its function'));
  }
  frame.unwatch();
  endQuietly(span, reporter, source);
  return frame.proceed();
}

function proceed(run: SpanRun): unknown {
  try {
    run.outcome = run.frame.proceed();
    run.state = RETURNED;
  } catch (error) {
    run.outcome = error;
    run.state = THREW;
  }
  return run.outcome;
}

function endQuietly(span: CqrsSpan, reporter: FailureReporter, source: string): void {
  try {
    span.end();
  } catch (error) {
    reporter.report(source, error);
  }
}
