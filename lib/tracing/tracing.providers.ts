import type { Provider } from '@nestjs/common';
import { FAILURE_REPORTER, RESOLVED_OPTIONS } from '../cqrs-observability.internal-constants';
import type { FailureReporter } from '../errors/failure-reporter';
import type { ResolvedObservabilityOptions } from '../options';
import { RedactionPolicy } from '../redaction/redaction.policy';
import { builtInAttributeProviders } from './built-in-attribute.providers';
import { NoOpSpanFactory } from './no-op.span-factory';
import { OpenTelemetrySpanFactory } from './opentelemetry.span-factory';
import { PayloadInterceptor } from './payload.interceptor';
import type { SpanFactory } from './span-factory.interface';
import { TracingInterceptor } from './tracing.interceptor';
import { SPAN_FACTORY, TRACING_REDACTION_POLICY } from './tracing.internal-constants';

/** The application's span factory: the configured one (or OpenTelemetry), with the built-in providers. */
export function createSpanFactory(
  options: ResolvedObservabilityOptions,
  reporter: FailureReporter,
  policy?: RedactionPolicy,
): SpanFactory {
  const tracing = options.tracing;
  if (tracing === false) return new NoOpSpanFactory();
  const factory =
    tracing.spanFactory ?? new OpenTelemetrySpanFactory({ failureReporter: reporter });
  for (const provider of builtInAttributeProviders(tracing, policy)) {
    try {
      factory.registerSpanAttributesProvider(provider);
    } catch (error) {
      reporter.report('SpanFactory.registerSpanAttributesProvider', error);
    }
  }
  return factory;
}

/** The application's redaction policy for payloads and `@TraceAttribute()` fields. */
export function createTracingRedactionPolicy(
  options: ResolvedObservabilityOptions,
  shared: RedactionPolicy,
): RedactionPolicy | null {
  return options.tracing === false ? null : shared;
}

/** Providers of the tracing signal, for the module's `providers`. */
export const TRACING_PROVIDERS: Provider[] = [
  {
    provide: SPAN_FACTORY,
    useFactory: createSpanFactory,
    inject: [RESOLVED_OPTIONS, FAILURE_REPORTER, RedactionPolicy],
  },
  {
    provide: TRACING_REDACTION_POLICY,
    useFactory: createTracingRedactionPolicy,
    inject: [RESOLVED_OPTIONS, RedactionPolicy],
  },
  TracingInterceptor,
  PayloadInterceptor,
];
