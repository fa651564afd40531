/**
 * Every name the OpenTelemetry metrics signal emits, after OpenTelemetry's messaging semantic
 * conventions (metrics, status "development"): instrument names, units, attribute keys and
 * values. The README's "OpenTelemetry metrics" table lists the same names.
 */

/** Instrumentation scope of the meter. */
export const OTEL_METER_NAME = 'nestjs-cqrs-observability';

/** Instrument names. */
export const OtelMetricNames = {
  /** Histogram: each command, query, event handler and saga step, in seconds. */
  PROCESS_DURATION: 'messaging.process.duration',
  /** Counter: each event published (each event of `publishAll`). */
  SENT_MESSAGES: 'messaging.client.sent.messages',
} as const;

/** Units (UCUM), as the conventions give them. */
export const OtelMetricUnits = {
  [OtelMetricNames.PROCESS_DURATION]: 's',
  [OtelMetricNames.SENT_MESSAGES]: '{message}',
} as const;

/** Descriptions, as the conventions give them. */
export const OtelMetricDescriptions = {
  [OtelMetricNames.PROCESS_DURATION]: 'Duration of processing operation.',
  [OtelMetricNames.SENT_MESSAGES]: 'Number of messages producer attempted to send to the broker.',
} as const;

/**
 * Advice buckets of `messaging.process.duration` (`ExplicitBucketBoundaries` of the
 * conventions), in seconds. An SDK that predates instrument advice uses its own defaults.
 */
export const OTEL_PROCESS_DURATION_BUCKETS: readonly number[] = Object.freeze([
  0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10,
]);

/** Attribute keys. */
export const OtelMetricAttributes = {
  MESSAGING_SYSTEM: 'messaging.system',
  MESSAGING_OPERATION_NAME: 'messaging.operation.name',
  /** The message class (for a saga step, the class of the event the saga answered). */
  MESSAGING_DESTINATION_NAME: 'messaging.destination.name',
  /** The handler class (event handlers, command and query handlers) or the saga. */
  MESSAGING_DESTINATION_SUBSCRIPTION_NAME: 'messaging.destination.subscription.name',
  /** The error's class name; only on failures. */
  ERROR_TYPE: 'error.type',
} as const;

/** Value of `messaging.system` (the same as on spans). */
export const OTEL_MESSAGING_SYSTEM = 'nestjs-cqrs';

/** Values of `messaging.operation.name`. */
export const OtelOperationNames = {
  /** Commands, queries, event handlers and saga steps. */
  PROCESS: 'process',
  /** Event publishes. */
  SEND: 'send',
} as const;

/** `error.type` of a thrown value without a class name (a string, `null`): the conventions' fallback. */
export const OTEL_ERROR_TYPE_OTHER = '_OTHER';
