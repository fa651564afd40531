import type { AttributeValue, Attributes, SpanContext } from '@opentelemetry/api';

/** Span attributes: OpenTelemetry's `Attributes` (string keys, primitive or array values). */
export type SpanAttributes = Attributes;

/**
 * A span as the pipeline drives it, whatever backend a `SpanFactory` writes to. Every method
 * is cheap on a span that does not record.
 */
export interface CqrsSpan {
  setAttribute(key: string, value: AttributeValue): void;
  setAttributes(attributes: SpanAttributes): void;
  /** A timestamped event on the span, such as `cqrs.command_payload`. */
  addEvent(name: string, attributes?: SpanAttributes): void;
  /**
   * Marks the span failed: status ERROR with the error's message, the exception recorded and
   * `error.type` set to the error's class name. Call it once per error. The built-in tracing
   * passes a `RedactedError` (the thrown value's type, its message and stack scrubbed by the
   * redaction policy's value detectors), never the thrown value itself.
   */
  recordError(error: unknown): void;
  /** Ends the span; later calls do nothing. */
  end(): void;
  /**
   * Runs `fn` with this span as the active one, so spans started inside — nested dispatches
   * included — become its children. Returns what `fn` returns and lets its errors through.
   */
  runInContext<T>(fn: () => T): T;
  /** Whether the span records anything. When false, skip every optional attribute. */
  isRecording(): boolean;
  /** The span's identity, to link to it or propagate it. */
  spanContext(): SpanContext;
}
