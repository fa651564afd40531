import type { SpanContext, SpanKind } from '@opentelemetry/api';
import type { OperationAttributes } from '../../hooks/hook.types';
import type { CqrsSpan, SpanAttributes } from './cqrs-span.interface';
import type { SpanAttributesProvider } from '../attribute-providers/span-attributes-provider.interface';

/** Where a handler span sits in the trace. */
export interface HandlerSpanOptions {
  /**
   * `true`: the span continues a trace, as a child of `parent`. `false`: it starts a new trace
   * of its own (a root span), linked to `link` when given.
   */
  readonly isChildTrace: boolean;
  /** Parent of a child span: the active span (default) or the given span context. */
  readonly parent?: 'active' | SpanContext;
  /** A span the new span links to, typically the span that published the message. */
  readonly link?: SpanContext;
  /** More spans to link to: the other events a saga operator merged into one emission. */
  readonly links?: readonly SpanContext[];
  /** @default SpanKind.CONSUMER */
  readonly kind?: SpanKind;
}

/**
 * Creates the spans of the pipeline, after Axon Framework's `SpanFactory`: pick a backend
 * (`OpenTelemetrySpanFactory`, `LoggingSpanFactory`, `NoOpSpanFactory`), combine several
 * (`MultiSpanFactory`) or write your own.
 *
 * Every method takes an optional `source`: the attributes of the operation the span is about
 * (its `message` included). The registered `SpanAttributesProvider`s read it.
 */
export interface SpanFactory {
  /** A span that starts a new trace, whatever span is active. */
  createRootTrace(
    name: string,
    attributes?: SpanAttributes,
    source?: OperationAttributes,
  ): CqrsSpan;
  /**
   * A span that sends a message (an event being published), child of the active span.
   * @param kind @default SpanKind.PRODUCER
   */
  createDispatchSpan(
    name: string,
    attributes?: SpanAttributes,
    kind?: SpanKind,
    source?: OperationAttributes,
  ): CqrsSpan;
  /** A span that handles a message: a child of its parent, or a linked root (see options). */
  createHandlerSpan(
    name: string,
    attributes: SpanAttributes | undefined,
    options: HandlerSpanOptions,
    source?: OperationAttributes,
  ): CqrsSpan;
  /** A span of internal work (a saga emitting a command), child of the active span. */
  createInternalSpan(
    name: string,
    attributes?: SpanAttributes,
    source?: OperationAttributes,
  ): CqrsSpan;
  /** Adds a provider run for every span created with a `source`. Registering twice is a no-op. */
  registerSpanAttributesProvider(provider: SpanAttributesProvider): void;
  /**
   * Writes the active trace context into `carrier` (for example the W3C `traceparent` header
   * of an outgoing message) and returns it.
   */
  propagateContext<C extends object>(carrier: C): C;
}
