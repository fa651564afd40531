export { CqrsObservabilityModule } from './cqrs-observability.module';
export type { CqrsObservabilityModuleOptions } from './options';
export { InvalidObservabilityOptionError } from './errors/invalid-options.error';

export { HookRegistry } from './hooks/hook.registry';
export type {
  CqrsInterceptor,
  CqrsOperationContext,
  HookNext,
  HookRegistration,
  HookRegistrationOptions,
  InstrumentationHook,
  MessageKind,
  OperationAttributes,
} from './hooks/hook.types';
export { fireAndForgetHook } from './hooks/fire-and-forget';
export { OperationNames, MESSAGE_OPERATIONS, BuiltInPriority } from './hooks/operations';
export { CqrsTelemetry } from './hooks/cqrs-telemetry.decorator';
export type {
  HandlerTraceShape,
  TelemetryLogLevel,
  TelemetryPolicy,
} from './hooks/telemetry-policy';
export type {
  TelemetryClass,
  TelemetryOptions,
  TelemetryPolicyMap,
} from './hooks/telemetry.options';

export type { CorrelationOptions } from './correlation/correlation.options';
export {
  DEFAULT_CORRELATION_HEADER,
  DEFAULT_TENANT_HEADER,
  DEFAULT_TENANT_MESSAGE_FIELD,
} from './correlation/correlation.constants';
export type { TenantOptions } from './correlation/tenant.options';
export { getTenantId } from './correlation/tenant.context';
export { generateCorrelationId } from './correlation/correlation-id';
export {
  getCorrelationId,
  setCorrelationId,
  getCausationId,
  setCausationId,
  getContextVars,
  setContextVars,
  runWithContext,
  type ContextVars,
} from './correlation/correlation.context';

export { inFlowOf, MAX_LINKED_EVENTS } from './bus/saga-event-stream';

export { trackFlow } from './testing/track-flow';
export { FlowTrackingError } from './testing/flow-tracking.error';
export type {
  FlowOperation,
  FlowOperationOutcome,
  TrackedFlow,
  TrackFlowOptions,
} from './testing/tracked-flow';

export { MessageFlowMap } from './flows/message-flow-map';
export { renderMessageFlowHtml, renderMessageFlowSvg } from './flows/flow-map.html';
export type { FlowMapOptions } from './flows/flow-map.options';
export type {
  FlowEdge,
  FlowNode,
  FlowNodeKind,
  MessageFlowGraph,
} from './flows/message-flow-graph';

export * from './messages';
export * from './validation';
export * from './redaction';

export * from './tracing';
export type { MetricsOptions } from './metrics/metrics.options';
export { DEFAULT_DURATION_BUCKETS } from './metrics/metrics.options';
export {
  MetricNames,
  TenantMetricNames,
  MetricLabels,
  MetricOutcomes,
  OTHER_LABEL_VALUE,
  EXEMPLAR_TRACE_ID,
} from './metrics/metrics.constants';
export type { OtelMetricsOptions } from './otel-metrics/otel-metrics.options';
export {
  OtelMetricNames,
  OtelMetricAttributes,
  OtelOperationNames,
  OTEL_METER_NAME,
  OTEL_PROCESS_DURATION_BUCKETS,
} from './otel-metrics/otel-metrics.constants';
export type { LoggingOptions } from './logging/logging.options';
export { cqrsLogMixin, type CqrsLogMixinFields } from './logging/cqrs-log-mixin';
export {
  cqrsPinoHttpOptions,
  CREDENTIAL_HEADERS,
  type CqrsPinoHttpHelperOptions,
  type CqrsPinoHttpSafeOptions,
} from './logging/pino-http.options';
export {
  LogFields,
  LogOutcome,
  MixinFields,
  type CqrsLogError,
  type CqrsLogLine,
} from './logging/logging.constants';
export type { SentryOptions, SentryCaptureContext } from './sentry/sentry.options';
export { defaultShouldCapture } from './sentry/should-capture';
export {
  SentryTags,
  SENTRY_CONTEXT_NAME,
  SENTRY_AUDIT_CONTEXT_NAME,
  SentryContextKeys,
} from './sentry/sentry.constants';

export * from './microservices';
