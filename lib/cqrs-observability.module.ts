import { type DynamicModule, Module } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { ClsModule } from 'nestjs-cls';
import { CqrsInstrumentationService } from './bus/cqrs-instrumentation.service';
import { PeerVersionsCheck } from './compatibility/peer-versions.check';
import { clsSupportsPlugins, createRequestClsPlugin } from './correlation/correlation.cls-plugin';
import {
  ASYNC_OPTIONS_TYPE,
  ConfigurableModuleClass,
  RAW_OPTIONS,
} from './cqrs-observability.module-definition';
import { FAILURE_REPORTER, RESOLVED_OPTIONS } from './shared/tokens';
import { FailureReporter } from './errors/failure-reporter';
import { UnhandledEventsDetector } from './event-delivery/unhandled-events.detector';
import { UpstreamErrorLogRedaction } from './event-delivery/upstream-error-log.redaction';
import { MessageFlowMap } from './flows/message-flow-map';
import { HookRegistry } from './hooks/hook.registry';
import { TelemetryPolicies } from './hooks/telemetry-policies';
import { MetricsInterceptor } from './metrics/metrics.interceptor';
import { OtelMetricsInterceptor } from './otel-metrics/otel-metrics.interceptor';
import {
  MICROSERVICES_EXPORTS,
  MICROSERVICES_PROVIDERS,
} from './microservices/microservices.providers';
import { UserInterceptorsInstaller } from './hooks/user-interceptors.installer';
import {
  assertAsyncOptions,
  type CqrsObservabilityModuleOptions,
  resolveObservabilityOptions,
  type ResolvedObservabilityOptions,
} from './options';
import { RedactionPolicy } from './redaction/redaction.policy';
import { ValidationInterceptor } from './validation/validation.interceptor';
import { LoggingInterceptor } from './logging/logging.interceptor';
import { SentryInterceptor } from './sentry/sentry.interceptor';
import { TenantInterceptor } from './tenancy/tenant.interceptor';
import { TRACING_PROVIDERS } from './tracing/tracing.providers';

/**
 * Observability for @nestjs/cqrs: import once, next to `CqrsModule.forRoot()`.
 *
 * ```ts
 * CqrsObservabilityModule.forRoot({ redaction: { hashFields: ['customerId'] } })
 * ```
 */
@Module({
  imports: [DiscoveryModule, ...correlationPluginImports()],
  providers: [
    {
      provide: RESOLVED_OPTIONS,
      useFactory: resolveObservabilityOptions,
      inject: [RAW_OPTIONS],
    },
    { provide: FAILURE_REPORTER, useFactory: () => new FailureReporter() },
    // One policy per application, shared by span payloads, log payloads and Sentry contexts.
    {
      provide: RedactionPolicy,
      useFactory: (options: ResolvedObservabilityOptions) => new RedactionPolicy(options.redaction),
      inject: [RESOLVED_OPTIONS],
    },
    // Per message type and handler, what each signal does: resolved once per class.
    {
      provide: TelemetryPolicies,
      useFactory: (options: ResolvedObservabilityOptions) => new TelemetryPolicies(options),
      inject: [RESOLVED_OPTIONS],
    },
    PeerVersionsCheck,
    HookRegistry,
    CqrsInstrumentationService,
    TenantInterceptor,
    ValidationInterceptor,
    ...TRACING_PROVIDERS,
    MetricsInterceptor,
    OtelMetricsInterceptor,
    LoggingInterceptor,
    SentryInterceptor,
    UserInterceptorsInstaller,
    UnhandledEventsDetector,
    UpstreamErrorLogRedaction,
    MessageFlowMap,
    ...MICROSERVICES_PROVIDERS,
  ],
  exports: [
    HookRegistry,
    RedactionPolicy,
    MessageFlowMap,
    RESOLVED_OPTIONS,
    FAILURE_REPORTER,
    ...MICROSERVICES_EXPORTS,
  ],
})
export class CqrsObservabilityModule extends ConfigurableModuleClass {
  /** All defaults when called with nothing: `CqrsObservabilityModule.forRoot()`. */
  static override forRoot(options: CqrsObservabilityModuleOptions = {}): DynamicModule {
    return super.forRoot(options);
  }

  /** Options from a factory, a class or an existing provider; the signals' shape stays static. */
  static override forRootAsync(options: typeof ASYNC_OPTIONS_TYPE): DynamicModule {
    assertAsyncOptions(options);
    return super.forRootAsync(options);
  }
}

/**
 * nestjs-cls 6 and later let a library plug into the contexts the app's ClsModule opens; an
 * older one (named by the peer check's startup warning) lacks the plugin API, and then the HTTP
 * header is not read (dispatches still correlate).
 */
function correlationPluginImports(): DynamicModule[] {
  return clsSupportsPlugins() ? [ClsModule.registerPlugins([createRequestClsPlugin()])] : [];
}
