import { OperationOutcome } from '../hooks/operation-outcome';

/**
 * Every name the tracing signal emits: tracer names, span names, attribute keys and values,
 * span event names. The README's tracing tables are checked against this file.
 */

/** Tracer (instrumentation scope) of commands, events, event handlers and sagas. */
export const WRITE_TRACER_NAME = 'cqrs.write';
/** Tracer (instrumentation scope) of queries. */
export const READ_TRACER_NAME = 'cqrs.read';

/** Span names. Event, handler and saga spans are named like their operation. */
export const SpanNames = {
  /** Command and query spans: `cqrs.PlaceOrderCommand`. */
  message: (type: string) => `cqrs.${type}`,
  /** `event.dispatch.OrderPlacedEvent`. */
  eventDispatch: (event: string) => `event.dispatch.${event}`,
  /** `event.handler.OrderPlacedEvent.SendConfirmationHandler`. */
  eventHandler: (event: string, handler: string) => `event.handler.${event}.${handler}`,
  /** `saga.run.OrderSaga`. */
  sagaRun: (saga: string) => `saga.run.${saga}`,
} as const;

/**
 * Span names in the messaging semantic conventions' mode (`tracing.semanticConventions`):
 * `{messaging.operation.name} {destination}`, the destination being the message class (for a
 * saga step, the event the saga answered).
 */
export const SemconvSpanNames = {
  /** Commands, queries, event handlers, saga steps: `process CreateOrderCommand`. */
  process: (destination: string) => `process ${destination}`,
  /** Event publishes: `send OrderCreatedEvent`. */
  send: (destination: string) => `send ${destination}`,
} as const;

/**
 * Which span conventions to emit (`tracing.semanticConventions`, else the
 * `OTEL_SEMCONV_STABILITY_OPT_IN` environment variable, as OpenTelemetry's instrumentations read it).
 */
export const SemanticConventionsModes = {
  /** Today's names (`cqrs.PlaceOrderCommand`, `event.dispatch.…`) and kinds: the default. */
  CQRS: 'cqrs',
  /** The messaging conventions' names and kinds only (`OTEL_SEMCONV_STABILITY_OPT_IN=messaging`). */
  MESSAGING: 'messaging',
  /** Their names and kinds, with both attribute sets (`OTEL_SEMCONV_STABILITY_OPT_IN=messaging/dup`). */
  MESSAGING_DUP: 'messaging/dup',
} as const;

/** The environment variable OpenTelemetry's instrumentations read to opt in to new conventions. */
export const SEMCONV_STABILITY_OPT_IN_ENV = 'OTEL_SEMCONV_STABILITY_OPT_IN';

/** Span attribute keys. */
export const TracingAttributes = {
  /** What the operation is: `command`, `query`, `event` or `saga`. */
  KIND: 'cqrs.kind',
  /** The message's class name (for a saga span, the emitted command's). */
  MESSAGE_TYPE: 'cqrs.message_type',
  /**
   * Alias of `cqrs.message_type`, for every kind: the reference toolkit's key, kept because
   * DESIGN.md's span contract names it.
   */
  COMMAND_TYPE: 'cqrs.command_type',
  MESSAGE_ID: 'cqrs.message_id',
  CORRELATION_ID: 'cqrs.correlation_id',
  CAUSATION_ID: 'cqrs.causation_id',
  HANDLER: 'cqrs.handler',
  OUTCOME: 'cqrs.outcome',
  /** `requestedAt` of a BaseCommand/BaseQuery, ISO 8601. */
  REQUESTED_AT: 'cqrs.requested_at',
  /** `requestedBy` of a BaseCommand/BaseQuery; only with `tracing.recordRequestedBy`. */
  REQUESTED_BY: 'cqrs.requested_by',
  /** The flow's tenant; only with the `tenant` option. */
  TENANT_ID: 'tenant.id',
  /** The message's type name as the operation names it (`messageName` provider). */
  MESSAGE_NAME: 'cqrs.message_name',
  /** The runtime class of the payload object (`payloadType` provider). */
  PAYLOAD_TYPE: 'cqrs.payload_type',
  PAYLOAD_PRESENT: 'cqrs.payload_present',
  PAYLOAD_TRUNCATED: 'cqrs.payload_truncated',
  PAYLOAD_SIZE: 'cqrs.payload_size',
  MESSAGING_SYSTEM: 'messaging.system',
  MESSAGING_OPERATION_TYPE: 'messaging.operation.type',
  /** `process` or `send`; semantic-conventions mode only. */
  MESSAGING_OPERATION_NAME: 'messaging.operation.name',
  /** The handler or saga; semantic-conventions mode only. */
  MESSAGING_DESTINATION_SUBSCRIPTION_NAME: 'messaging.destination.subscription.name',
  MESSAGING_DESTINATION_NAME: 'messaging.destination.name',
  MESSAGING_MESSAGE_ID: 'messaging.message.id',
  MESSAGING_CONVERSATION_ID: 'messaging.message.conversation_id',
  ERROR_TYPE: 'error.type',
} as const;

/** Value of `messaging.system`. */
export const MESSAGING_SYSTEM = 'nestjs-cqrs';

/** Values of `messaging.operation.type` (OpenTelemetry messaging semantic conventions). */
export const MessagingOperationType = {
  SEND: 'send',
  PROCESS: 'process',
} as const;

/** Values of `cqrs.outcome` and of the generic hook's `outcome` (the operation's outcome). */
export const Outcome = OperationOutcome;

/** Span event carrying the redacted payload of a command or query. */
export const PAYLOAD_EVENT_NAME = 'cqrs.command_payload';
/** Attribute of the payload span event holding the redacted JSON. */
export const PAYLOAD_EVENT_ATTRIBUTE = 'payload';

/** Attribute the generic framework hook writes the outcome to. */
export const FRAMEWORK_OUTCOME_ATTRIBUTE = 'outcome';

/**
 * The operations `installFrameworkHooks()` traces by default: the reference toolkit's profile,
 * in its order, so configurations carry over.
 */
export const DEFAULT_FRAMEWORK_TRACE_OPERATIONS: readonly string[] = Object.freeze([
  'uow.*',
  'event.dispatch.*',
  'publisher.publish.*',
  'consumer.consume.*',
  'outbox.process_batch',
  'outbox.retry_failed',
  'outbox.save_events',
  'saga.run.*',
  'saga.recovery.*',
  'scheduler.dispatch.batch',
  'scheduler.worker.process',
  'event_sourcing.mediator.*',
  'persistence_orchestrator.orchestrate',
  'projection.process.*',
  'replay.start.*',
  'lock.acquire.*',
  'redis.lock.acquire.*',
  'redis.lock.release.*',
]);

/** Default priority of the generic framework hook: inside the built-in signals. */
export const DEFAULT_FRAMEWORK_HOOK_PRIORITY = -100;

/** Keys `ObservabilityContext.get()` fills from the ambient context. */
export const ObservabilityContextKeys = {
  CORRELATION_ID: 'correlation_id',
  CAUSATION_ID: 'causation_id',
  TRACE_ID: 'trace_id',
  SPAN_ID: 'span_id',
} as const;
