import {
  context,
  propagation,
  SpanKind,
  trace,
  type Context,
  type Span,
  type SpanOptions,
  type Tracer,
  type TracerProvider,
} from '@opentelemetry/api';
import { FailureReporter } from '../../errors/failure-reporter';
import type { OperationAttributes } from '../../hooks/hook.types';
import {
  applyAttributeProviders,
  type FailureSink,
} from '../attribute-providers/attribute-providers.runner';
import type { CqrsSpan, SpanAttributes } from './cqrs-span.interface';
import { OpenTelemetryCqrsSpan } from './opentelemetry.span';
import type { SpanAttributesProvider } from '../attribute-providers/span-attributes-provider.interface';
import type { HandlerSpanOptions, SpanFactory } from './span-factory.interface';
import { READ_TRACER_NAME, WRITE_TRACER_NAME } from '../tracing.constants';

export interface OpenTelemetrySpanFactoryOptions {
  /**
   * Tracer provider to take the tracers from.
   * @default the global one (`trace.getTracerProvider()`), resolved when the SDK registers
   */
  tracerProvider?: TracerProvider;
  /**
   * Where a failing attribute provider is reported.
   * @default a rate-limited warning through Nest's Logger
   */
  failureReporter?: FailureSink;
}

/**
 * The default `SpanFactory`: spans through `@opentelemetry/api` only — the application owns
 * the SDK. Commands, events, handlers and sagas use the tracer `cqrs.write`, queries
 * `cqrs.read`. Without a registered SDK every span is a cheap non-recording one.
 */
export class OpenTelemetrySpanFactory implements SpanFactory {
  private readonly writeTracer: Tracer;
  private readonly readTracer: Tracer;
  private readonly reporter: FailureSink;
  private providers: readonly SpanAttributesProvider[] = [];

  constructor(options: OpenTelemetrySpanFactoryOptions = {}) {
    const provider = options.tracerProvider ?? trace.getTracerProvider();
    // The global provider hands out proxy tracers that follow a later SDK registration, so
    // taking them once here is safe.
    this.writeTracer = provider.getTracer(WRITE_TRACER_NAME);
    this.readTracer = provider.getTracer(READ_TRACER_NAME);
    this.reporter = options.failureReporter ?? new FailureReporter();
  }

  createRootTrace(
    name: string,
    attributes?: SpanAttributes,
    source?: OperationAttributes,
  ): CqrsSpan {
    return this.start(
      name,
      { kind: SpanKind.INTERNAL, attributes, root: true },
      context.active(),
      source,
    );
  }

  createDispatchSpan(
    name: string,
    attributes?: SpanAttributes,
    kind: SpanKind = SpanKind.PRODUCER,
    source?: OperationAttributes,
  ): CqrsSpan {
    return this.start(name, { kind, attributes }, context.active(), source);
  }

  createHandlerSpan(
    name: string,
    attributes: SpanAttributes | undefined,
    options: HandlerSpanOptions,
    source?: OperationAttributes,
  ): CqrsSpan {
    const kind = options.kind ?? SpanKind.CONSUMER;
    const link = options.link;
    const spanOptions: SpanOptions =
      link === undefined ? { kind, attributes } : { kind, attributes, links: [{ context: link }] };
    if (options.links !== undefined && options.links.length > 0) {
      spanOptions.links = [
        ...(spanOptions.links ?? []),
        ...options.links.map((context) => ({ context })),
      ];
    }
    let parent = context.active();
    if (!options.isChildTrace) {
      spanOptions.root = true;
    } else if (options.parent !== undefined && options.parent !== 'active') {
      parent = trace.setSpanContext(parent, options.parent);
    }
    return this.start(name, spanOptions, parent, source);
  }

  createInternalSpan(
    name: string,
    attributes?: SpanAttributes,
    source?: OperationAttributes,
  ): CqrsSpan {
    return this.start(name, { kind: SpanKind.INTERNAL, attributes }, context.active(), source);
  }

  registerSpanAttributesProvider(provider: SpanAttributesProvider): void {
    if (typeof provider !== 'function') {
      throw new TypeError('registerSpanAttributesProvider(provider): provider must be a function');
    }
    if (!this.providers.includes(provider)) this.providers = [...this.providers, provider];
  }

  propagateContext<C extends object>(carrier: C): C {
    propagation.inject(context.active(), carrier);
    return carrier;
  }

  private start(
    name: string,
    options: SpanOptions,
    parent: Context,
    source: OperationAttributes | undefined,
  ): CqrsSpan {
    const tracer = source?.kind === 'query' ? this.readTracer : this.writeTracer;
    const span: Span = tracer.startSpan(name, options, parent);
    if (source !== undefined && this.providers.length > 0 && span.isRecording()) {
      applyAttributeProviders(span, this.providers, source, this.reporter);
    }
    return new OpenTelemetryCqrsSpan(span);
  }
}
