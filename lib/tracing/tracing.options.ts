import { InvalidObservabilityOptionError } from '../errors/invalid-options.error';
import {
  assertKnownKeys,
  assertPlainObject,
  optionalBoolean,
  optionalOneOf,
  signalSwitch,
} from '../shared/options-validation';
import type { HandlerTraceShape } from '../hooks/telemetry-policy';
import {
  SEMANTIC_CONVENTIONS_MODES,
  semanticConventionsFromEnv,
  type SemanticConventionsMode,
} from './semantic-conventions';
import type { SpanFactory } from './span-factories/span-factory.interface';

/** Whether an event handler's span continues the publisher's trace or starts one linked to it. */
export type EventHandlerTraceShape = HandlerTraceShape;

/**
 * The built-in `SpanAttributesProvider`s (Axon's set, for in-process messages). Each writes
 * only to spans that record.
 */
export interface SpanAttributeProviderSwitches {
  /** `cqrs.message_id` and `messaging.message.id`: the message's id. @default true */
  messageId?: boolean;
  /**
   * `cqrs.message_name`: the message's type name as the operation names it (for a saga span,
   * the emitted command's). @default true
   */
  messageName?: boolean;
  /**
   * `cqrs.message_type`, the class name, on spans of a custom `SpanFactory` (the module's own
   * spans always carry it). @default true
   */
  messageType?: boolean;
  /**
   * `cqrs.payload_type`: the runtime class of the message object (`Object` for a literal;
   * equal to the type name for class instances). @default true
   */
  payloadType?: boolean;
  /**
   * `cqrs.correlation_id`, `messaging.message.conversation_id`, `cqrs.causation_id` (when
   * there is one), `cqrs.requested_at` (ISO 8601, from BaseCommand/BaseQuery) and, with
   * `recordRequestedBy`, `cqrs.requested_by`. @default true
   */
  metadata?: boolean;
}

export interface TracingOptions {
  /**
   * Record the redacted payload on command and query spans as the span event
   * `cqrs.command_payload`. Never read when the span is not sampled.
   * @default true
   */
  payload?: boolean;
  /**
   * Shape of event handler traces: `'child'` spans continue the publisher's trace; `'link'`
   * starts a new trace per handler with a link to the publish span.
   * @default 'child'
   */
  eventHandlerTrace?: EventHandlerTraceShape;
  /**
   * Per-event overrides of `eventHandlerTrace`, keyed by event class name: the same as
   * `telemetry.messages` entries `{ trace }` (README "Telemetry per message type" has the
   * precedence; an event may not be given a `trace` in both).
   * @default {}
   */
  eventHandlerTraceByEvent?: Record<string, EventHandlerTraceShape>;
  /**
   * Put `cqrs.requested_by` (from BaseCommand/BaseQuery) on spans, through the `metadata`
   * attribute provider. Off by default: it is personal data.
   * @default false
   */
  recordRequestedBy?: boolean;
  /**
   * Where spans go: `OpenTelemetrySpanFactory`, `LoggingSpanFactory`, `MultiSpanFactory`,
   * `NoOpSpanFactory` or your own `SpanFactory`. The enabled built-in attribute providers are
   * registered on it at startup.
   * @default new OpenTelemetrySpanFactory()
   */
  spanFactory?: SpanFactory;
  /** Toggle each built-in span attribute provider. @default all on */
  attributeProviders?: SpanAttributeProviderSwitches;
  /**
   * Span names and kinds: `'cqrs'` (today's `cqrs.PlaceOrderCommand`, `event.dispatch.…`),
   * `'messaging'` (the messaging semantic conventions': `process PlaceOrderCommand`,
   * `send OrderPlacedEvent`, CONSUMER processing, a link to the publish span) or
   * `'messaging/dup'` (those names and kinds with the `cqrs.*` attributes they replace kept).
   * Wins over the environment.
   * @default from `OTEL_SEMCONV_STABILITY_OPT_IN` (`messaging/dup` before `messaging`), else 'cqrs'
   */
  semanticConventions?: SemanticConventionsMode;
}

export interface ResolvedTracingOptions {
  readonly payload: boolean;
  readonly eventHandlerTrace: EventHandlerTraceShape;
  readonly eventHandlerTraceByEvent: Readonly<Record<string, EventHandlerTraceShape>>;
  readonly recordRequestedBy: boolean;
  readonly spanFactory: SpanFactory | undefined;
  readonly attributeProviders: Readonly<Required<SpanAttributeProviderSwitches>>;
  readonly semanticConventions: SemanticConventionsMode;
}

const SPAN_FACTORY_METHODS = [
  'createRootTrace',
  'createDispatchSpan',
  'createHandlerSpan',
  'createInternalSpan',
  'registerSpanAttributesProvider',
  'propagateContext',
] as const;

function isSpanFactory(value: unknown): value is SpanFactory {
  if (value === null || typeof value !== 'object') return false;
  const candidate = value as Record<string, unknown>;
  return SPAN_FACTORY_METHODS.every((method) => typeof candidate[method] === 'function');
}

const SHAPES: readonly EventHandlerTraceShape[] = ['child', 'link'];
const PROVIDERS = ['messageId', 'messageName', 'messageType', 'payloadType', 'metadata'] as const;

export function resolveTracingOptions(
  value: unknown,
  path = 'tracing',
): ResolvedTracingOptions | false {
  const options = signalSwitch(value, path);
  if (options === false) return false;
  assertKnownKeys(options, path, [
    'payload',
    'eventHandlerTrace',
    'eventHandlerTraceByEvent',
    'recordRequestedBy',
    'spanFactory',
    'attributeProviders',
    'semanticConventions',
  ]);
  const byEvent: Record<string, EventHandlerTraceShape> = {};
  if (options.eventHandlerTraceByEvent !== undefined) {
    assertPlainObject(options.eventHandlerTraceByEvent, `${path}.eventHandlerTraceByEvent`);
    for (const [event, shape] of Object.entries(options.eventHandlerTraceByEvent)) {
      byEvent[event] = optionalOneOf(
        shape,
        `${path}.eventHandlerTraceByEvent.${event}`,
        SHAPES,
        'child',
      );
    }
  }
  const spanFactory = options.spanFactory;
  if (spanFactory !== undefined && !isSpanFactory(spanFactory)) {
    throw new InvalidObservabilityOptionError(
      `${path}.spanFactory`,
      `a SpanFactory (an object with ${SPAN_FACTORY_METHODS.join(', ')})`,
      spanFactory,
    );
  }
  const switches = (options.attributeProviders ?? {}) as Record<string, unknown>;
  assertPlainObject(switches, `${path}.attributeProviders`);
  assertKnownKeys(switches, `${path}.attributeProviders`, PROVIDERS);
  const attributeProviders = Object.fromEntries(
    PROVIDERS.map((name) => [
      name,
      optionalBoolean(switches[name], `${path}.attributeProviders.${name}`, true),
    ]),
  ) as Required<SpanAttributeProviderSwitches>;
  return Object.freeze({
    payload: optionalBoolean(options.payload, `${path}.payload`, true),
    eventHandlerTrace: optionalOneOf(
      options.eventHandlerTrace,
      `${path}.eventHandlerTrace`,
      SHAPES,
      'child',
    ),
    eventHandlerTraceByEvent: Object.freeze(byEvent),
    recordRequestedBy: optionalBoolean(
      options.recordRequestedBy,
      `${path}.recordRequestedBy`,
      false,
    ),
    spanFactory: spanFactory as SpanFactory | undefined,
    attributeProviders: Object.freeze(attributeProviders),
    semanticConventions: optionalOneOf(
      options.semanticConventions,
      `${path}.semanticConventions`,
      SEMANTIC_CONVENTIONS_MODES,
      semanticConventionsFromEnv(),
    ),
  });
}
