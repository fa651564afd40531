import { context, isSpanContextValid, SpanKind, trace, type SpanContext } from '@opentelemetry/api';
import type { MessageKind, OperationAttributes } from '../../hooks/hook.types';
import type { CqrsSpan, SpanAttributes } from './cqrs-span.interface';
import type { SpanAttributesProvider } from '../attribute-providers/span-attributes-provider.interface';
import type { HandlerSpanOptions, SpanFactory } from './span-factory.interface';
import { MessagingOperationType, SemconvSpanNames, TracingAttributes } from '../tracing.constants';

const KINDS: ReadonlySet<unknown> = new Set<MessageKind>(['command', 'query', 'event', 'saga']);
const MAX_NAMES = 2048;
const REPLACED: ReadonlySet<string> = new Set([
  TracingAttributes.COMMAND_TYPE,
  TracingAttributes.HANDLER,
]);

/**
 * The messaging semantic conventions' span mode, as a `SpanFactory` around the application's
 * own: it sees each span of a CQRS operation (the call carries the operation's attributes) and
 * renames it `{operation} {destination}`, makes processing CONSUMER and publishing PRODUCER,
 * adds `messaging.operation.name` and `messaging.destination.subscription.name`, and links
 * each processing span to its message's creation context (the publish span) even when it is
 * also its child, as the conventions ask. Spans it does not recognise (the microservices
 * room's, the generic framework hook's) pass through unchanged.
 *
 * Chosen once at startup; with the default mode it is not installed at all.
 */
export class SemconvSpanFactory implements SpanFactory {
  private readonly processNames = new Map<string, string>();
  private readonly sendNames = new Map<string, string>();

  constructor(
    private readonly inner: SpanFactory,
    /** `messaging/dup`: keep the `cqrs.*` attributes the conventions' ones replace. */
    private readonly duplicate: boolean,
  ) {}

  createRootTrace(name: string, attributes?: SpanAttributes, source?: OperationAttributes) {
    return this.inner.createRootTrace(name, attributes, source);
  }

  createDispatchSpan(
    name: string,
    attributes?: SpanAttributes,
    kind: SpanKind = SpanKind.PRODUCER,
    source?: OperationAttributes,
  ): CqrsSpan {
    if (!isOperation(source) || source.kind !== 'event') {
      return this.inner.createDispatchSpan(name, attributes, kind, source);
    }
    const destination = stringOr(source.message_type, name);
    return this.inner.createDispatchSpan(
      named(this.sendNames, destination, SemconvSpanNames.send),
      this.attributes(attributes, MessagingOperationType.SEND, destination, undefined),
      SpanKind.PRODUCER,
      source,
    );
  }

  createHandlerSpan(
    name: string,
    attributes: SpanAttributes | undefined,
    options: HandlerSpanOptions,
    source?: OperationAttributes,
  ): CqrsSpan {
    if (!isOperation(source))
      return this.inner.createHandlerSpan(name, attributes, options, source);
    const saga = source.kind === 'saga';
    const destination = this.destinationOf(source, name);
    let creation: SpanContext | undefined;
    if (saga) creation = activeSpanContext();
    else if (options.isChildTrace && options.parent !== undefined && options.parent !== 'active') {
      // Child of the publish span: link to it too (the 'link' shape already has the link).
      creation = options.parent;
    }
    const links = creation === undefined ? options.links : [...(options.links ?? []), creation];
    return this.inner.createHandlerSpan(
      named(this.processNames, destination, SemconvSpanNames.process),
      this.attributes(attributes, MessagingOperationType.PROCESS, destination, source),
      { ...options, kind: SpanKind.CONSUMER, links },
      source,
    );
  }

  createInternalSpan(
    name: string,
    attributes?: SpanAttributes,
    source?: OperationAttributes,
  ): CqrsSpan {
    if (!isOperation(source) || source.kind !== 'saga') {
      return this.inner.createInternalSpan(name, attributes, source);
    }
    // A saga step processes the event the saga answered: a CONSUMER child of the active
    // (publish) span, linked to it.
    return this.createHandlerSpan(
      name,
      attributes,
      { isChildTrace: true, parent: 'active' },
      source,
    );
  }

  registerSpanAttributesProvider(provider: SpanAttributesProvider): void {
    this.inner.registerSpanAttributesProvider(provider);
  }

  propagateContext<C extends object>(carrier: C): C {
    return this.inner.propagateContext(carrier);
  }

  /** The message class; for a saga step, the event it answered. */
  private destinationOf(source: OperationAttributes, fallback: string): string {
    return source.kind === 'saga'
      ? stringOr(source['event.type'], stringOr(source.handler, fallback))
      : stringOr(source.message_type, fallback);
  }

  private attributes(
    given: SpanAttributes | undefined,
    operation: string,
    destination: string,
    source: OperationAttributes | undefined,
  ): SpanAttributes {
    const attributes: SpanAttributes = {};
    for (const key in given) {
      // Under 'messaging' the cqrs.* keys whose conventions' equivalents are set below
      // (messaging.destination.name, messaging.destination.subscription.name) are left out.
      if (!this.duplicate && REPLACED.has(key)) continue;
      attributes[key] = given[key];
    }
    attributes[TracingAttributes.MESSAGING_OPERATION_NAME] = operation;
    attributes[TracingAttributes.MESSAGING_OPERATION_TYPE] = operation;
    attributes[TracingAttributes.MESSAGING_DESTINATION_NAME] = destination;
    const handler = source?.handler;
    if (typeof handler === 'string') {
      attributes[TracingAttributes.MESSAGING_DESTINATION_SUBSCRIPTION_NAME] = handler;
    }
    return attributes;
  }
}

function isOperation(source: OperationAttributes | undefined): source is OperationAttributes {
  return source !== undefined && KINDS.has(source.kind);
}

function activeSpanContext(): SpanContext | undefined {
  const spanContext = trace.getSpanContext(context.active());
  return spanContext !== undefined && isSpanContextValid(spanContext) ? spanContext : undefined;
}

/** A span name, built once per destination (bounded: class names, cleared past the bound). */
function named(cache: Map<string, string>, destination: string, build: (d: string) => string) {
  let name = cache.get(destination);
  if (name === undefined) {
    name = build(destination);
    if (cache.size >= MAX_NAMES) cache.clear();
    cache.set(destination, name);
  }
  return name;
}

function stringOr(value: unknown, fallback: string): string {
  return typeof value === 'string' && value !== '' ? value : fallback;
}
