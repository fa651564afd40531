import type { Provider } from '@nestjs/common';
import { FAILURE_REPORTER, RESOLVED_OPTIONS } from '../shared/tokens';
import type { FailureReporter } from '../errors/failure-reporter';
import type { ResolvedTracingOptions } from './tracing.options';
import { RedactionPolicy } from '../redaction/redaction.policy';
import { builtInAttributeProviders } from './attribute-providers/built-in-attribute.providers';
import { NoOpSpanFactory } from './span-factories/no-op.span-factory';
import { OpenTelemetrySpanFactory } from './span-factories/opentelemetry.span-factory';
import { PayloadInterceptor } from './payload.interceptor';
import { SemconvSpanFactory } from './span-factories/semconv.span-factory';
import type { SpanFactory } from './span-factories/span-factory.interface';
import { tenantAttributesProvider } from './attribute-providers/tenant-attribute.provider';
import { TracingInterceptor } from './tracing.interceptor';
import { SPAN_FACTORY } from './tracing.internal-constants';

/** The part of the module's resolved options read here (the module provides all of them). */
type ModuleOptions = {
  readonly tracing: ResolvedTracingOptions | false;
  readonly tenant?: object | false;
};

/** The application's span factory: the configured one (or OpenTelemetry), with the built-in providers. */
export function createSpanFactory(
  options: ModuleOptions,
  reporter: FailureReporter,
  policy?: RedactionPolicy,
): SpanFactory {
  const tracing = options.tracing;
  if (tracing === false) return new NoOpSpanFactory();
  const factory =
    tracing.spanFactory ?? new OpenTelemetrySpanFactory({ failureReporter: reporter });
  const providers = builtInAttributeProviders(tracing, policy);
  // Only an app that carries tenants pays for the provider.
  if (options.tenant !== undefined && options.tenant !== false) {
    providers.push(tenantAttributesProvider);
  }
  for (const provider of providers) {
    try {
      factory.registerSpanAttributesProvider(provider);
    } catch (error) {
      reporter.report('SpanFactory.registerSpanAttributesProvider', error);
    }
  }
  // The span-naming strategy, chosen once: today's names need no wrapper at all.
  const mode = tracing.semanticConventions;
  return mode === 'cqrs' ? factory : new SemconvSpanFactory(factory, mode === 'messaging/dup');
}

/** Providers of the tracing signal, for the module's `providers`. */
export const TRACING_PROVIDERS: Provider[] = [
  {
    provide: SPAN_FACTORY,
    useFactory: createSpanFactory,
    inject: [RESOLVED_OPTIONS, FAILURE_REPORTER, RedactionPolicy],
  },
  TracingInterceptor,
  PayloadInterceptor,
];
