import { isSpanContextValid, trace, type SpanContext } from '@opentelemetry/api';

/**
 * The active span's context, or undefined when there is none or it is not valid: the one read
 * of the active span that logs, metric exemplars and `ObservabilityContext` share.
 */
export function activeSpanContext(): SpanContext | undefined {
  const spanContext = trace.getActiveSpan()?.spanContext();
  return spanContext !== undefined && isSpanContextValid(spanContext) ? spanContext : undefined;
}
