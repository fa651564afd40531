export type {
  TracingOptions,
  EventHandlerTraceShape,
  SpanAttributeProviderSwitches,
} from './tracing.options';
export {
  WRITE_TRACER_NAME,
  READ_TRACER_NAME,
  SpanNames,
  SemconvSpanNames,
  SemanticConventionsModes,
  SEMCONV_STABILITY_OPT_IN_ENV,
  TracingAttributes,
  MESSAGING_SYSTEM,
  MessagingOperationType,
  Outcome,
  PAYLOAD_EVENT_NAME,
  PAYLOAD_EVENT_ATTRIBUTE,
  FRAMEWORK_OUTCOME_ATTRIBUTE,
  DEFAULT_FRAMEWORK_TRACE_OPERATIONS,
  DEFAULT_FRAMEWORK_HOOK_PRIORITY,
  ObservabilityContextKeys,
} from './tracing.constants';
export type { SemanticConventionsMode } from './semantic-conventions';
export type { CqrsSpan, SpanAttributes } from './cqrs-span.interface';
export type { SpanFactory, HandlerSpanOptions } from './span-factory.interface';
export type { SpanAttributesProvider } from './span-attributes-provider.interface';
export {
  OpenTelemetrySpanFactory,
  type OpenTelemetrySpanFactoryOptions,
} from './opentelemetry.span-factory';
export { LoggingSpanFactory, type LoggingSpanFactoryOptions } from './logging.span-factory';
export { MultiSpanFactory } from './multi.span-factory';
export { NoOpSpanFactory } from './no-op.span-factory';
export { EventHandlerTrace } from './event-handler-trace.decorator';
export {
  ObservabilityInstrumentationHook,
  type ObservabilityInstrumentationHookOptions,
} from './observability-instrumentation.hook';
export { installFrameworkHooks, type FrameworkHooksOptions } from './framework-hooks.installer';
export { ObservabilityContext } from './observability.context';
