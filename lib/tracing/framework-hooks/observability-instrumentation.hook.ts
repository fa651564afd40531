import { FailureReporter } from '../../errors/failure-reporter';
import type {
  CqrsInterceptor,
  CqrsOperationContext,
  HookNext,
  OperationAttributes,
} from '../../hooks/hook.types';
import type { OperationFrame, OutcomeObserver } from '../../hooks/operation-frame';
import type { AroundSignal } from '../../hooks/signal';
import type { FailureSink } from '../attribute-providers/attribute-providers.runner';
import { RedactionPolicy } from '../../redaction/redaction.policy';
import type { CqrsSpan, SpanAttributes } from '../span-factories/cqrs-span.interface';
import { OpenTelemetrySpanFactory } from '../span-factories/opentelemetry.span-factory';
import { runInSpan } from '../span-factories/run-in-span';
import { isThenable } from '../../hooks/thenable';
import type { SpanFactory } from '../span-factories/span-factory.interface';
import { FRAMEWORK_OUTCOME_ATTRIBUTE, Outcome } from '../tracing.constants';

const SOURCE = 'Framework tracing hook';

export interface ObservabilityInstrumentationHookOptions {
  /** @default new OpenTelemetrySpanFactory() */
  spanFactory?: SpanFactory;
  /** Where a failing span factory is reported. @default a rate-limited Nest warning */
  failureReporter?: FailureSink;
  /**
   * What the spans may show: attribute values go through its field rules and value detectors,
   * errors are recorded as its `RedactedError` view. Pass the module's (injectable) policy to
   * share your redaction options. @default new RedactionPolicy() (the default rules)
   */
  redaction?: RedactionPolicy;
}

/**
 * The generic span hook: for any operation, an INTERNAL span named
 * after the operation, its primitive attributes as strings (`message` and `error` objects
 * left out) and `outcome` = `success` | `error`. Operations that the built-in tracing
 * interceptor already spans (`event.dispatch.*`, `saga.run.*`, …) get no second span.
 */
export class ObservabilityInstrumentationHook implements CqrsInterceptor, AroundSignal {
  private readonly spanFactory: SpanFactory;
  private readonly reporter: FailureSink;
  private readonly policy: RedactionPolicy;
  private readonly outcome: OutcomeObserver<CqrsSpan> = {
    report: (failure) => this.reporter.report(SOURCE, failure),
    onSuccess(span) {
      try {
        span.setAttribute(FRAMEWORK_OUTCOME_ATTRIBUTE, Outcome.SUCCESS);
      } finally {
        span.end();
      }
    },
    onError: (span, error) => {
      try {
        span.setAttribute(FRAMEWORK_OUTCOME_ATTRIBUTE, Outcome.ERROR);
        span.recordError(this.policy.redactError(error));
      } finally {
        span.end();
      }
    },
  };

  constructor(options: ObservabilityInstrumentationHookOptions = {}) {
    this.reporter = options.failureReporter ?? new FailureReporter();
    this.policy = options.redaction ?? new RedactionPolicy();
    this.spanFactory =
      options.spanFactory ?? new OpenTelemetrySpanFactory({ failureReporter: this.reporter });
  }

  /** As `installFrameworkHooks()` registers it: operations the tracing signal spans are skipped. */
  around(frame: OperationFrame): unknown {
    if (frame.span !== undefined) return frame.proceed();
    const span = this.startSpan(frame.operation, frame.attributes);
    if (span === undefined) return frame.proceed();
    // observeOutcome only calls report(): any FailureSink will do.
    return runInSpan(span, frame, this.outcome, this.reporter as FailureReporter, SOURCE);
  }

  /** Registered as a plain interceptor: a span around every operation it is given. */
  intercept(context: CqrsOperationContext, next: HookNext): unknown {
    const span = this.startSpan(context.operation, context.attributes);
    if (span === undefined) return next();
    let result: unknown;
    try {
      void span.runInContext(() => (result = next()));
    } catch (error) {
      this.settle(span, false, error);
      throw error;
    }
    if (!isThenable(result)) {
      this.settle(span, true, result);
      return result;
    }
    return Promise.resolve(result).then(
      (value) => {
        this.settle(span, true, value);
        return value;
      },
      (error: unknown) => {
        this.settle(span, false, error);
        throw error;
      },
    );
  }

  private settle(span: CqrsSpan, succeeded: boolean, value: unknown): void {
    try {
      if (succeeded) this.outcome.onSuccess(span, value);
      else this.outcome.onError(span, value);
    } catch (failure) {
      this.reporter.report(SOURCE, failure);
    }
  }

  private startSpan(operation: string, attributes: OperationAttributes): CqrsSpan | undefined {
    try {
      return this.spanFactory.createInternalSpan(
        operation,
        stringAttributes(attributes, this.policy),
      );
    } catch (error) {
      this.reporter.report(SOURCE, error);
      return undefined;
    }
  }
}

function stringAttributes(
  attributes: OperationAttributes,
  policy: RedactionPolicy,
): SpanAttributes {
  const result: SpanAttributes = {};
  for (const key in attributes) {
    if (key === 'message' || key === 'error') continue;
    const value = attributes[key];
    switch (typeof value) {
      case 'string':
      case 'number':
      case 'boolean':
      case 'bigint': {
        // Through the policy as a payload field would be: a sensitive key hidden, text scrubbed.
        const written = policy.fieldValue(key, String(value));
        if (typeof written === 'string') result[key] = written;
        break;
      }
      default:
      // Objects, functions and absent values have no faithful string form.
    }
  }
  return result;
}
