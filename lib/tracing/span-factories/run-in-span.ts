import { context, trace } from '@opentelemetry/api';
import type { FailureReporter } from '../../errors/failure-reporter';
import {
  NOT_RETURNED,
  type OperationFrame,
  type OutcomeObserver,
} from '../../hooks/operation-frame';
import type { CqrsSpan } from './cqrs-span.interface';
import { OpenTelemetryCqrsSpan } from './opentelemetry.span';

/**
 * Runs the rest of `frame`'s chain as the operation of `span` — active while it runs, ended
 * by `observer` when it settles — and hands back exactly what the chain returned or threw. A
 * span whose `runInContext` throws (a custom `SpanFactory`, a broken OpenTelemetry context
 * manager), swallows the result or replaces it cannot change the operation: before the chain
 * ran, the span is abandoned (ended, reported) and the chain runs without it; after, its own
 * failure is reported and the operation's outcome wins.
 *
 * The default span enters its context with `context.with` here, handing it `frame.proceed`
 * itself: a nested dispatch costs neither `runInContext`'s frame nor a closure's. The frame
 * tells what the chain did (`step`, `lastResult`) whatever the context manager made of it.
 * (The tracing signal writes the same out in its `around`, for one stack frame less.)
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
  const step = frame.step;
  try {
    if (span instanceof OpenTelemetryCqrsSpan) {
      context.with(trace.setSpan(context.active(), span.span), frame.proceed, frame);
    } else {
      span.runInContext(() => frame.proceed());
    }
  } catch (failure) {
    return afterSpanFailure(span, frame, step, failure, reporter, source, true);
  }
  return afterSpanRun(span, frame, step, reporter, source, true);
}

/**
 * The span's context call returned: the chain's outcome, whatever the call made of it; if it
 * never called its function, the chain runs without the span.
 */
export function afterSpanRun(
  span: CqrsSpan,
  frame: OperationFrame,
  step: number,
  reporter: FailureReporter,
  source: string,
  watched: boolean,
): unknown {
  if (frame.step !== step) return outcomeOf(frame);
  reporter.report(source, new Error('CqrsSpan.runInContext() did not call its function'));
  return withoutSpan(span, frame, reporter, source, watched);
}

/** The span's context call threw: before the chain ran, the chain runs without the span. */
export function afterSpanFailure(
  span: CqrsSpan,
  frame: OperationFrame,
  step: number,
  failure: unknown,
  reporter: FailureReporter,
  source: string,
  watched: boolean,
): unknown {
  const ran = frame.step !== step;
  // A throw of the chain itself, passed on by the context call, is the operation's outcome.
  if (!ran || frame.lastResult !== NOT_RETURNED || frame.lastError !== failure) {
    reporter.report(source, failure);
  }
  return ran ? outcomeOf(frame) : withoutSpan(span, frame, reporter, source, watched);
}

/** What the rest of the chain returned or threw, whatever the context call made of it. */
function outcomeOf(frame: OperationFrame): unknown {
  const result = frame.lastResult;
  if (result === NOT_RETURNED) throw frame.lastError;
  return result;
}

function withoutSpan(
  span: CqrsSpan,
  frame: OperationFrame,
  reporter: FailureReporter,
  source: string,
  watched: boolean,
): unknown {
  if (watched) frame.unwatch();
  try {
    span.end();
  } catch (error) {
    reporter.report(source, error);
  }
  return frame.proceed();
}
