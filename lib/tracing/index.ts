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
export type { CqrsSpan, SpanAttributes } from './span-factories/cqrs-span.interface';
export type { SpanFactory, HandlerSpanOptions } from './span-factories/span-factory.interface';
export type { SpanAttributesProvider } from './attribute-providers/span-attributes-provider.interface';
export {
  OpenTelemetrySpanFactory,
  type OpenTelemetrySpanFactoryOptions,
} from './span-factories/opentelemetry.span-factory';
export {
  LoggingSpanFactory,
  type LoggingSpanFactoryOptions,
} from './span-factories/logging.span-factory';
export { MultiSpanFactory } from './span-factories/multi.span-factory';
export { NoOpSpanFactory } from './span-factories/no-op.span-factory';
export { EventHandlerTrace } from './event-handler-trace.decorator';
export {
  ObservabilityInstrumentationHook,
  type ObservabilityInstrumentationHookOptions,
} from './framework-hooks/observability-instrumentation.hook';
export {
  installFrameworkHooks,
  type FrameworkHooksOptions,
} from './framework-hooks/framework-hooks.installer';
export { ObservabilityContext } from './framework-hooks/observability.context';
