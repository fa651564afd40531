import { OperationOutcome } from '../hooks/operation-outcome';

/**
 * Every name the metrics signal emits: metric names, label names and label values. The
 * README's metrics table, the sample app's dashboards and their PromQL rely on these names.
 */

/** Prometheus metric names. */
export const MetricNames = {
  /** Histogram: commands, queries, event publishes, saga-emitted commands. */
  MESSAGE_DURATION: 'cqrs_message_duration_seconds',
  /** Counter of the same operations. */
  MESSAGE_TOTAL: 'cqrs_message_total',
  /** Histogram: each event handler execution. */
  EVENT_HANDLER_DURATION: 'cqrs_event_handler_duration_seconds',
  /** Counter of event handler executions. */
  EVENT_HANDLER_TOTAL: 'cqrs_event_handler_total',
  /** Gauge: operations started and not yet settled. */
  MESSAGES_IN_FLIGHT: 'cqrs_messages_in_flight',
  /** Counter: saga streams that died on an error. */
  SAGA_STREAM_ERRORS: 'cqrs_saga_stream_errors_total',
  /** Counter: errors @nestjs/cqrs sent to its UnhandledExceptionBus. */
  UNHANDLED_EXCEPTIONS: 'cqrs_unhandled_exceptions_total',
  /** Counter: events published with no event handler and taken by no saga. */
  EVENTS_UNHANDLED: 'cqrs_events_unhandled_total',
  /** Histogram: an event's age (`occurredAt` to now) when a handler or saga step starts. */
  EVENT_AGE: 'cqrs_event_age_seconds',
} as const;

/** Metric names registered only with `tenant.metricLabel` (never otherwise). */
export const TenantMetricNames = {
  /** Counter: commands, queries, event handler executions and saga steps per tenant. */
  MESSAGE_TOTAL: 'cqrs_tenant_messages_total',
  /** Histogram: their duration per tenant, in seconds. */
  MESSAGE_DURATION: 'cqrs_tenant_message_duration_seconds',
} as const;

/** Label names. */
export const MetricLabels = {
  /** `command`, `query`, `event` or `saga`. */
  KIND: 'kind',
  /** Class name of the message (of the saga, for `kind="saga"`). */
  MESSAGE_TYPE: 'message_type',
  /** `success` or `error`. */
  OUTCOME: 'outcome',
  /** Class name of the handled event. */
  EVENT_TYPE: 'event_type',
  /** Class name of the event handler. */
  HANDLER: 'handler',
  /** Class name of the saga. */
  SAGA: 'saga',
  /** What @nestjs/cqrs blamed: the failed message's class, or the saga's name. */
  CAUSE_TYPE: 'cause_type',
  /** The flow's tenant id, capped by `tenant.maxMetricTenants` (`_other` past it). */
  TENANT: 'tenant',
} as const;

/** Values of the `outcome` label (the operation's outcome). */
export const MetricOutcomes = OperationOutcome;

// Shared with the OpenTelemetry metrics signal, which caps its attributes the same way.
export { OTHER_LABEL_VALUE, UNKNOWN_LABEL_VALUE } from '../shared/label-value-limiter';

/** Exemplar label carrying the active trace id (OpenMetrics registries only). */
export const EXEMPLAR_TRACE_ID = 'trace_id';

/** Label names of each metric. */
export const METRIC_LABEL_NAMES = {
  [MetricNames.MESSAGE_DURATION]: [
    MetricLabels.KIND,
    MetricLabels.MESSAGE_TYPE,
    MetricLabels.OUTCOME,
  ],
  [MetricNames.MESSAGE_TOTAL]: [MetricLabels.KIND, MetricLabels.MESSAGE_TYPE, MetricLabels.OUTCOME],
  [MetricNames.EVENT_HANDLER_DURATION]: [
    MetricLabels.EVENT_TYPE,
    MetricLabels.HANDLER,
    MetricLabels.OUTCOME,
  ],
  [MetricNames.EVENT_HANDLER_TOTAL]: [
    MetricLabels.EVENT_TYPE,
    MetricLabels.HANDLER,
    MetricLabels.OUTCOME,
  ],
  [MetricNames.MESSAGES_IN_FLIGHT]: [MetricLabels.KIND],
  [MetricNames.SAGA_STREAM_ERRORS]: [MetricLabels.SAGA],
  [MetricNames.UNHANDLED_EXCEPTIONS]: [MetricLabels.KIND, MetricLabels.CAUSE_TYPE],
  [MetricNames.EVENTS_UNHANDLED]: [MetricLabels.EVENT_TYPE],
  [MetricNames.EVENT_AGE]: [MetricLabels.EVENT_TYPE, MetricLabels.HANDLER],
  [TenantMetricNames.MESSAGE_TOTAL]: [MetricLabels.KIND, MetricLabels.TENANT, MetricLabels.OUTCOME],
  [TenantMetricNames.MESSAGE_DURATION]: [
    MetricLabels.KIND,
    MetricLabels.TENANT,
    MetricLabels.OUTCOME,
  ],
} as const satisfies Record<string, readonly string[]>;

/** Help texts, shown by Prometheus and Grafana next to each metric. */
export const METRIC_HELP = {
  [MetricNames.MESSAGE_DURATION]:
    'Duration of CQRS commands, queries, event publishes and saga-emitted commands, in seconds',
  [MetricNames.MESSAGE_TOTAL]:
    'CQRS commands, queries, event publishes and saga-emitted commands, by outcome',
  [MetricNames.EVENT_HANDLER_DURATION]: 'Duration of each event handler execution, in seconds',
  [MetricNames.EVENT_HANDLER_TOTAL]: 'Event handler executions, by outcome',
  [MetricNames.MESSAGES_IN_FLIGHT]: 'CQRS operations started and not yet settled, by kind',
  [MetricNames.SAGA_STREAM_ERRORS]: 'Saga streams that died on an error',
  [MetricNames.UNHANDLED_EXCEPTIONS]: 'Errors @nestjs/cqrs sent to its UnhandledExceptionBus',
  [MetricNames.EVENTS_UNHANDLED]: 'Events published with no event handler and taken by no saga',
  [MetricNames.EVENT_AGE]:
    'Age of an event (occurredAt to now) when an event handler or a saga step starts, in seconds',
  [TenantMetricNames.MESSAGE_TOTAL]:
    'CQRS commands, queries, event handler executions and saga-emitted commands per tenant, by outcome',
  [TenantMetricNames.MESSAGE_DURATION]:
    'Duration of CQRS commands, queries, event handler executions and saga-emitted commands per tenant, in seconds',
} as const;
