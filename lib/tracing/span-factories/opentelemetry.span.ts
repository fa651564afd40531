import {
  context,
  INVALID_SPAN_CONTEXT,
  SpanStatusCode,
  trace,
  type AttributeValue,
  type Span,
  type SpanContext,
} from '@opentelemetry/api';
import type { CqrsSpan, SpanAttributes } from './cqrs-span.interface';
import { errorMessageOf, errorTypeOf } from '../error-attributes';
import { TracingAttributes } from '../tracing.constants';
import { anchorShape } from '../../shared/shape-anchor';

/** A `CqrsSpan` over an OpenTelemetry span. */
export class OpenTelemetryCqrsSpan implements CqrsSpan {
  constructor(
    /** The OpenTelemetry span, for what the `CqrsSpan` interface does not cover. */
    readonly span: Span,
  ) {}

  setAttribute(key: string, value: AttributeValue): void {
    this.span.setAttribute(key, value);
  }

  setAttributes(attributes: SpanAttributes): void {
    this.span.setAttributes(attributes);
  }

  addEvent(name: string, attributes?: SpanAttributes): void {
    this.span.addEvent(name, attributes);
  }

  recordError(error: unknown): void {
    const span = this.span;
    if (!span.isRecording()) return;
    const message = errorMessageOf(error);
    span.recordException(error instanceof Error ? error : message);
    span.setStatus({ code: SpanStatusCode.ERROR, message });
    span.setAttribute(TracingAttributes.ERROR_TYPE, errorTypeOf(error));
  }

  end(): void {
    this.span.end();
  }

  runInContext<T>(fn: () => T): T {
    return context.with(trace.setSpan(context.active(), this.span), fn);
  }

  isRecording(): boolean {
    return this.span.isRecording();
  }

  spanContext(): SpanContext {
    return this.span.spanContext();
  }
}

// The wrapper's shape, and that of the API's span that never records: an unsampled operation
// makes both on every dispatch (shape-anchor.ts).
anchorShape(new OpenTelemetryCqrsSpan(trace.wrapSpanContext(INVALID_SPAN_CONTEXT)));
