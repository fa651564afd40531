import { InvalidObservabilityOptionError } from '../errors/invalid-options.error';
import {
  assertKnownKeys,
  assertPlainObject,
  optionalBoolean,
  optionalOneOf,
  signalSwitch,
} from '../options-validation';

/** Whether an event handler's span continues the publisher's trace or starts one linked to it. */
export type EventHandlerTraceShape = 'child' | 'link';

export interface SpanAttributeProviderSwitches {
  /** `cqrs.message_id` / `messaging.message.id`. @default true */
  messageId?: boolean;
  /** `cqrs.message_name`: the message class name. @default true */
  messageName?: boolean;
  /** `cqrs.message_kind`-style type attribute (`cqrs.message_type`). @default true */
  messageType?: boolean;
  /** `cqrs.payload_type`: the payload's class name. @default true */
  payloadType?: boolean;
  /** Correlation metadata (`cqrs.correlation_id`, `cqrs.causation_id`, requested-at/by). @default true */
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
  /** Per-event overrides of `eventHandlerTrace`, keyed by event class name. @default {} */
  eventHandlerTraceByEvent?: Record<string, EventHandlerTraceShape>;
  /**
   * Put `cqrs.requested_by` (from BaseCommand/BaseQuery) on spans. Off by default: it is
   * personal data.
   * @default false
   */
  recordRequestedBy?: boolean;
  /**
   * Where spans go. Any object with the `SpanFactory` methods.
   * @default new OpenTelemetrySpanFactory()
   */
  spanFactory?: object;
  /** Toggle each built-in span attribute provider. @default all on */
  attributeProviders?: SpanAttributeProviderSwitches;
}

export interface ResolvedTracingOptions {
  readonly payload: boolean;
  readonly eventHandlerTrace: EventHandlerTraceShape;
  readonly eventHandlerTraceByEvent: Readonly<Record<string, EventHandlerTraceShape>>;
  readonly recordRequestedBy: boolean;
  readonly spanFactory: object | undefined;
  readonly attributeProviders: Readonly<Required<SpanAttributeProviderSwitches>>;
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
  if (spanFactory !== undefined && (spanFactory === null || typeof spanFactory !== 'object')) {
    throw new InvalidObservabilityOptionError(
      `${path}.spanFactory`,
      'a SpanFactory object',
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
    spanFactory: spanFactory as object | undefined,
    attributeProviders: Object.freeze(attributeProviders),
  });
}
