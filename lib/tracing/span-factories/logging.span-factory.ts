import {
  INVALID_SPAN_CONTEXT,
  isSpanContextValid,
  SpanKind,
  type AttributeValue,
  type SpanContext,
} from '@opentelemetry/api';
import { Logger, type LoggerService } from '@nestjs/common';
import { FailureReporter } from '../../errors/failure-reporter';
import type { OperationAttributes } from '../../hooks/hook.types';
import {
  applyAttributeProviders,
  type FailureSink,
} from '../attribute-providers/attribute-providers.runner';
import type { CqrsSpan, SpanAttributes } from './cqrs-span.interface';
import { errorMessageOf, errorTypeOf } from '../error-attributes';
import type { SpanAttributesProvider } from '../attribute-providers/span-attributes-provider.interface';
import type { HandlerSpanOptions, SpanFactory } from './span-factory.interface';
import { Outcome, TracingAttributes } from '../tracing.constants';

export interface LoggingSpanFactoryOptions {
  /** Where the span lines go. @default new Logger('CqrsTracing') */
  logger?: Pick<LoggerService, 'log'>;
  /** Where a failing attribute provider is reported. @default a rate-limited Nest warning */
  failureReporter?: FailureSink;
}

/**
 * Spans as log lines, for development without a tracing backend (Axon's
 * `LoggingSpanFactory`): one line when a span ends, with its name, duration, outcome,
 * attributes and events. It does not touch the OpenTelemetry context, so combined with
 * `OpenTelemetrySpanFactory` in a `MultiSpanFactory` it leaves the real traces intact.
 *
 * ```
 * [CqrsTracing] cqrs.PlaceOrderCommand 2.41ms outcome=success kind=internal {"cqrs.kind":"command",…}
 * ```
 */
export class LoggingSpanFactory implements SpanFactory {
  private readonly logger: Pick<LoggerService, 'log'>;
  private readonly reporter: FailureSink;
  private providers: readonly SpanAttributesProvider[] = [];

  constructor(options: LoggingSpanFactoryOptions = {}) {
    this.logger = options.logger ?? new Logger('CqrsTracing');
    this.reporter = options.failureReporter ?? new FailureReporter();
  }

  createRootTrace(
    name: string,
    attributes?: SpanAttributes,
    source?: OperationAttributes,
  ): CqrsSpan {
    return this.start(name, SpanKind.INTERNAL, attributes, source, 'root');
  }

  createDispatchSpan(
    name: string,
    attributes?: SpanAttributes,
    kind: SpanKind = SpanKind.PRODUCER,
    source?: OperationAttributes,
  ): CqrsSpan {
    return this.start(name, kind, attributes, source, undefined);
  }

  createHandlerSpan(
    name: string,
    attributes: SpanAttributes | undefined,
    options: HandlerSpanOptions,
    source?: OperationAttributes,
  ): CqrsSpan {
    let relation: string | undefined;
    if (!options.isChildTrace) {
      relation =
        options.link && isSpanContextValid(options.link)
          ? `root link=${idOf(options.link)}`
          : 'root';
    } else if (
      options.parent !== undefined &&
      options.parent !== 'active' &&
      isSpanContextValid(options.parent)
    ) {
      relation = `parent=${idOf(options.parent)}`;
    }
    return this.start(name, options.kind ?? SpanKind.CONSUMER, attributes, source, relation);
  }

  createInternalSpan(
    name: string,
    attributes?: SpanAttributes,
    source?: OperationAttributes,
  ): CqrsSpan {
    return this.start(name, SpanKind.INTERNAL, attributes, source, undefined);
  }

  registerSpanAttributesProvider(provider: SpanAttributesProvider): void {
    if (typeof provider !== 'function') {
      throw new TypeError('registerSpanAttributesProvider(provider): provider must be a function');
    }
    if (!this.providers.includes(provider)) this.providers = [...this.providers, provider];
  }

  /** Log lines carry no context to propagate: the carrier comes back as it was. */
  propagateContext<C extends object>(carrier: C): C {
    return carrier;
  }

  /** @internal */
  write(line: string): void {
    this.logger.log(line);
  }

  private start(
    name: string,
    kind: SpanKind,
    attributes: SpanAttributes | undefined,
    source: OperationAttributes | undefined,
    relation: string | undefined,
  ): CqrsSpan {
    const span = new LoggingSpan(this, name, kind, attributes, relation);
    if (source !== undefined && this.providers.length > 0) {
      applyAttributeProviders(span, this.providers, source, this.reporter);
    }
    return span;
  }
}

const KIND_NAMES: Record<number, string> = {
  [SpanKind.INTERNAL]: 'internal',
  [SpanKind.SERVER]: 'server',
  [SpanKind.CLIENT]: 'client',
  [SpanKind.PRODUCER]: 'producer',
  [SpanKind.CONSUMER]: 'consumer',
};

class LoggingSpan implements CqrsSpan {
  private readonly attributes: SpanAttributes = {};
  private readonly startedAt = performance.now();
  private events: string[] | undefined;
  private failed = false;
  private ended = false;

  constructor(
    private readonly factory: LoggingSpanFactory,
    private readonly name: string,
    private readonly kind: SpanKind,
    attributes: SpanAttributes | undefined,
    private readonly relation: string | undefined,
  ) {
    if (attributes !== undefined) this.setAttributes(attributes);
  }

  setAttribute(key: string, value: AttributeValue): void {
    if (!this.ended) this.attributes[key] = value;
  }

  setAttributes(attributes: SpanAttributes): void {
    for (const key in attributes) {
      const value = attributes[key];
      if (value !== undefined) this.setAttribute(key, value);
    }
  }

  addEvent(name: string, attributes?: SpanAttributes): void {
    if (this.ended) return;
    (this.events ??= []).push(
      attributes === undefined ? name : `${name} ${JSON.stringify(attributes)}`,
    );
  }

  recordError(error: unknown): void {
    this.failed = true;
    this.setAttribute(TracingAttributes.ERROR_TYPE, errorTypeOf(error));
    this.addEvent('exception', { 'exception.message': errorMessageOf(error) });
  }

  end(): void {
    if (this.ended) return;
    this.ended = true;
    const duration = (performance.now() - this.startedAt).toFixed(2);
    const outcome =
      this.attributes[TracingAttributes.OUTCOME] ?? (this.failed ? Outcome.ERROR : Outcome.SUCCESS);
    const relation = this.relation === undefined ? '' : ` ${this.relation}`;
    const events = this.events === undefined ? '' : ` events=[${this.events.join('; ')}]`;
    this.factory.write(
      `${this.name} ${duration}ms outcome=${String(outcome)} kind=${KIND_NAMES[this.kind] ?? 'internal'}${relation} ${JSON.stringify(this.attributes)}${events}`,
    );
  }

  runInContext<T>(fn: () => T): T {
    return fn();
  }

  isRecording(): boolean {
    return !this.ended;
  }

  spanContext(): SpanContext {
    return INVALID_SPAN_CONTEXT;
  }
}

function idOf(spanContext: SpanContext): string {
  return `${spanContext.traceId}-${spanContext.spanId}`;
}
