import {
  INVALID_SPAN_CONTEXT,
  isSpanContextValid,
  type AttributeValue,
  type SpanContext,
  type SpanKind,
} from '@opentelemetry/api';
import type { OperationAttributes } from '../../hooks/hook.types';
import type { CqrsSpan, SpanAttributes } from './cqrs-span.interface';
import type { SpanAttributesProvider } from '../attribute-providers/span-attributes-provider.interface';
import type { HandlerSpanOptions, SpanFactory } from './span-factory.interface';

/**
 * Delegates to several factories at once (Axon's `MultiSpanFactory`), for example
 * OpenTelemetry and log lines: each call makes one span per factory, wrapped in a span that
 * acts as one. The first factory's span is the innermost active one.
 */
export class MultiSpanFactory implements SpanFactory {
  private readonly factories: readonly SpanFactory[];

  constructor(factories: readonly SpanFactory[]) {
    if (!Array.isArray(factories) || factories.length === 0) {
      throw new TypeError('MultiSpanFactory(factories): give at least one SpanFactory');
    }
    this.factories = Object.freeze([...factories]);
  }

  createRootTrace(
    name: string,
    attributes?: SpanAttributes,
    source?: OperationAttributes,
  ): CqrsSpan {
    return this.combine((factory) => factory.createRootTrace(name, attributes, source));
  }

  createDispatchSpan(
    name: string,
    attributes?: SpanAttributes,
    kind?: SpanKind,
    source?: OperationAttributes,
  ): CqrsSpan {
    return this.combine((factory) => factory.createDispatchSpan(name, attributes, kind, source));
  }

  createHandlerSpan(
    name: string,
    attributes: SpanAttributes | undefined,
    options: HandlerSpanOptions,
    source?: OperationAttributes,
  ): CqrsSpan {
    return this.combine((factory) => factory.createHandlerSpan(name, attributes, options, source));
  }

  createInternalSpan(
    name: string,
    attributes?: SpanAttributes,
    source?: OperationAttributes,
  ): CqrsSpan {
    return this.combine((factory) => factory.createInternalSpan(name, attributes, source));
  }

  registerSpanAttributesProvider(provider: SpanAttributesProvider): void {
    for (const factory of this.factories) factory.registerSpanAttributesProvider(provider);
  }

  /** Each factory writes its context into the carrier in turn. */
  propagateContext<C extends object>(carrier: C): C {
    let result = carrier;
    for (const factory of this.factories) result = factory.propagateContext(result);
    return result;
  }

  private combine(create: (factory: SpanFactory) => CqrsSpan): CqrsSpan {
    const factories = this.factories;
    const spans: CqrsSpan[] = [];
    try {
      for (let i = 0; i < factories.length; i++) spans.push(create(factories[i]!));
    } catch (error) {
      // Spans already started must not stay open.
      for (const span of spans) span.end();
      throw error;
    }
    return spans.length === 1 ? spans[0]! : new MultiSpan(spans);
  }
}

class MultiSpan implements CqrsSpan {
  constructor(private readonly spans: readonly CqrsSpan[]) {}

  setAttribute(key: string, value: AttributeValue): void {
    this.each((span) => span.setAttribute(key, value));
  }

  setAttributes(attributes: SpanAttributes): void {
    this.each((span) => span.setAttributes(attributes));
  }

  addEvent(name: string, attributes?: SpanAttributes): void {
    this.each((span) => span.addEvent(name, attributes));
  }

  recordError(error: unknown): void {
    this.each((span) => span.recordError(error));
  }

  end(): void {
    this.each((span) => span.end());
  }

  runInContext<T>(fn: () => T): T {
    return this.runFrom(this.spans.length - 1, fn);
  }

  isRecording(): boolean {
    return this.spans.some((span) => span.isRecording());
  }

  spanContext(): SpanContext {
    for (const span of this.spans) {
      const spanContext = span.spanContext();
      if (isSpanContextValid(spanContext)) return spanContext;
    }
    return INVALID_SPAN_CONTEXT;
  }

  // The first factory's span ends up innermost, so it is the active span inside.
  private runFrom<T>(index: number, fn: () => T): T {
    if (index < 0) return fn();
    return this.spans[index]!.runInContext(() => this.runFrom(index - 1, fn));
  }

  /** Every span gets the call even when one throws; the first error is rethrown after. */
  private each(call: (span: CqrsSpan) => void): void {
    let failure: { error: unknown } | undefined;
    for (const span of this.spans) {
      try {
        call(span);
      } catch (error) {
        failure ??= { error };
      }
    }
    if (failure !== undefined) throw failure.error;
  }
}
