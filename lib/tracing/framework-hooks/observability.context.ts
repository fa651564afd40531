import { activeSpanContext } from '../../shared/active-span';
import { currentStore, writableStore } from '../../correlation/cls-store';
import {
  getCausationId,
  getCorrelationId,
  setCausationId,
  setCorrelationId,
} from '../../correlation/correlation.context';
import { ObservabilityContextKeys } from '../tracing.constants';

// Values set with ObservabilityContext.set(), in the nestjs-cls store of the current context.
const VALUES = Symbol('cqrs-observability.context-values');

type Store = Record<symbol, unknown>;

/**
 * The ambient observability values of the current execution: correlation and causation ids
 * (nestjs-cls), the active span's trace and span ids (OpenTelemetry), and any values you set.
 * Values set here live in the current nestjs-cls context: nested handlers see them, and what
 * they set does not leak back out.
 */
export class ObservabilityContext {
  private constructor() {}

  /**
   * A copy of the current values: what was `set()`, plus `correlation_id`, `causation_id`,
   * `trace_id` and `span_id` when known.
   */
  static get(): Record<string, unknown> {
    const values: Record<string, unknown> = {};
    const own = ObservabilityContext.store()?.[VALUES] as Record<string, unknown> | undefined;
    if (own !== undefined) Object.assign(values, own);
    const correlationId = getCorrelationId();
    if (correlationId !== undefined)
      values[ObservabilityContextKeys.CORRELATION_ID] = correlationId;
    const causationId = getCausationId();
    if (causationId !== undefined) values[ObservabilityContextKeys.CAUSATION_ID] = causationId;
    const spanContext = activeSpanContext();
    if (spanContext !== undefined) {
      values[ObservabilityContextKeys.TRACE_ID] = spanContext.traceId;
      values[ObservabilityContextKeys.SPAN_ID] = spanContext.spanId;
    }
    return values;
  }

  /**
   * Merges `values` into the current context. `correlation_id` and `causation_id` set the
   * flow's ids (validated like `setCorrelationId()`); `trace_id` and `span_id` come from the
   * active span and cannot be set. Outside any nestjs-cls context, one is entered for the
   * rest of the current asynchronous execution.
   */
  static set(values: Record<string, unknown>): void {
    if (values === null || typeof values !== 'object' || Array.isArray(values)) {
      throw new TypeError('ObservabilityContext.set(values): values must be an object');
    }
    const own: Record<string, unknown> = {};
    for (const key of Object.keys(values)) {
      const value = values[key];
      if (key === ObservabilityContextKeys.TRACE_ID || key === ObservabilityContextKeys.SPAN_ID) {
        throw new TypeError(
          `ObservabilityContext.set(): ${key} comes from the active span and cannot be set`,
        );
      }
      if (key === ObservabilityContextKeys.CORRELATION_ID) setCorrelationId(value as string);
      else if (key === ObservabilityContextKeys.CAUSATION_ID) setCausationId(value as string);
      else own[key] = value;
    }
    const store = writableStore();
    // A new object each time: a nested context copied the parent's reference and must not see
    // (or leak) later writes.
    store[VALUES] = { ...(store[VALUES] as Record<string, unknown> | undefined), ...own };
  }

  /** The active span's trace id, if a span is active. */
  static getTraceId(): string | undefined {
    return activeSpanContext()?.traceId;
  }

  /** The active span's span id, if a span is active. */
  static getSpanId(): string | undefined {
    return activeSpanContext()?.spanId;
  }

  /** The flow's correlation id (same as `getCorrelationId()`). */
  static getCorrelationId(): string | undefined {
    return getCorrelationId();
  }

  private static store(): Store | undefined {
    return currentStore();
  }
}
