/**
 * Every name the cross-service propagation emits: transport header names, span names,
 * attribute keys, metric names and labels. The README's "Across services" tables list them.
 */

/** Transport header names written on every outgoing message and read on every incoming one. */
export const MessageHeaders = {
  /** W3C trace context. */
  TRACEPARENT: 'traceparent',
  TRACESTATE: 'tracestate',
  /** The flow's correlation id. */
  CORRELATION_ID: 'x-correlation-id',
  /** Id of the message being handled when this one was sent. */
  CAUSATION_ID: 'x-causation-id',
  /** The outgoing message's own id. */
  MESSAGE_ID: 'x-message-id',
  /** Send time, milliseconds since the Unix epoch, as a decimal string. */
  SENT_AT: 'x-message-sent-at',
  /** The flow's tenant, when it has one (option `tenant`). */
  TENANT_ID: 'x-tenant-id',
} as const;

/** Key of the explicit envelope for transports without headers (TCP, Redis). */
export const ENVELOPE_HEADERS_KEY = '__cqrsMessageContext';
/** Key of the payload inside the explicit envelope. */
export const ENVELOPE_DATA_KEY = 'data';

/** Span names (OpenTelemetry messaging conventions: `{operation} {destination}`). */
export const MessagingSpanNames = {
  /** PRODUCER span of each `ClientProxy.emit()`/`send()`: `send orders.created`. */
  send: (pattern: string) => `send ${pattern}`,
  /** CONSUMER span of each handled message: `process orders.created`. */
  process: (pattern: string) => `process ${pattern}`,
} as const;

/** Span attribute keys of the producer and consumer spans. */
export const MessagingAttributes = {
  MESSAGING_SYSTEM: 'messaging.system',
  DESTINATION_NAME: 'messaging.destination.name',
  OPERATION_TYPE: 'messaging.operation.type',
  OPERATION_NAME: 'messaging.operation.name',
  MESSAGE_ID: 'messaging.message.id',
  CONVERSATION_ID: 'messaging.message.conversation_id',
  CAUSATION_ID: 'cqrs.causation_id',
  /** The flow's tenant, when the message carries one. */
  TENANT_ID: 'tenant.id',
  /** Milliseconds from send to the start of processing (consumer spans). */
  MESSAGE_AGE_MS: 'cqrs.message_age_ms',
  /** `remote` on `event.dispatch`/`event.handler` spans of events that came from a broker. */
  ORIGIN: 'cqrs.origin',
  /** The transport a bridged event arrived through. */
  ORIGIN_SYSTEM: 'cqrs.origin.messaging_system',
  OUTCOME: 'cqrs.outcome',
} as const;

/** Values of `messaging.operation.type` / `.name`. */
export const MessagingOperations = {
  /** `emit()` and `send()`: the message leaves this service. */
  SEND: 'send',
  /** A handler of this service handles it. */
  PROCESS: 'process',
} as const;

/** Value of `cqrs.origin` for events received from another service. */
export const REMOTE_ORIGIN = 'remote';

/** Values of `messaging.system`, by transport. */
export const MessagingSystems = {
  NATS: 'nats',
  RABBITMQ: 'rabbitmq',
  KAFKA: 'kafka',
  MQTT: 'mqtt',
  GRPC: 'grpc',
  TCP: 'tcp',
  REDIS: 'redis',
} as const;

export type MessagingSystem = (typeof MessagingSystems)[keyof typeof MessagingSystems];

/** Prometheus metric names. */
export const MessagingMetricNames = {
  /** Counter: messages emitted or sent through a ClientProxy, by outcome of the hand-off. */
  SENT: 'cqrs_transport_messages_sent_total',
  /** Counter: messages handled by an `@EventPattern`/`@MessagePattern` handler, by outcome. */
  CONSUMED: 'cqrs_transport_messages_consumed_total',
  /** Histogram: handler duration per message, in seconds. */
  PROCESS_DURATION: 'cqrs_transport_process_duration_seconds',
  /** Histogram: send time to handler start, in seconds (the "critical time"). */
  MESSAGE_AGE: 'cqrs_transport_message_age_seconds',
} as const;

/** Label names of the transport metrics. */
export const MessagingMetricLabels = {
  /** A `MessagingSystems` value. */
  TRANSPORT: 'transport',
  /** The message pattern, capped like class names (`_other` past the cap). */
  PATTERN: 'pattern',
  OUTCOME: 'outcome',
} as const;

/** Buckets of `cqrs_transport_message_age_seconds`: milliseconds to an hour. */
export const DEFAULT_MESSAGE_AGE_BUCKETS: readonly number[] = Object.freeze([
  0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 900, 3600,
]);
