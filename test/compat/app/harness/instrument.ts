/**
 * Preloaded by the compatibility e2e test in place of the README's `instrument.ts`: the same
 * real SDKs, with sinks the test can read — an InMemorySpanExporter, a MeterProvider with a
 * reader collected on demand and a Sentry transport that records envelopes — handed to the
 * parent test process over IPC.
 */
import { context, metrics, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics';
import * as Sentry from '@sentry/nestjs';
import { createTracing } from './otel.js';

const { provider, exporter } = createTracing();
trace.setGlobalTracerProvider(provider);
context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());

/** Collected when the test asks (sdk-metrics comes with sdk-node, in both SDK lines). */
class OnDemandReader extends MetricReader {
  protected override onShutdown(): Promise<void> {
    return Promise.resolve();
  }
  protected override onForceFlush(): Promise<void> {
    return Promise.resolve();
  }
}
const reader = new OnDemandReader();
metrics.setGlobalMeterProvider(new MeterProvider({ readers: [reader] }));

const envelopes: string[] = [];
Sentry.init({
  dsn: 'https://public@sentry.example.invalid/1',
  skipOpenTelemetrySetup: true,
  transport: (options) =>
    Sentry.createTransport(options, (request) => {
      envelopes.push(
        typeof request.body === 'string' ? request.body : new TextDecoder().decode(request.body),
      );
      return Promise.resolve({ statusCode: 200 });
    }),
});

process.on('message', async (message) => {
  if (message !== 'telemetry' || !process.send) return;
  const { resourceMetrics } = await reader.collect();
  const recorded = resourceMetrics.scopeMetrics.flatMap((scope) =>
    scope.metrics.map((metric) => ({
      name: metric.descriptor.name,
      unit: metric.descriptor.unit,
      points: metric.dataPoints.map((point) => ({
        attributes: point.attributes,
        value: point.value,
      })),
    })),
  );
  const spans = exporter.getFinishedSpans().map((span) => ({
    name: span.name,
    kind: span.kind,
    traceId: span.spanContext().traceId,
    spanId: span.spanContext().spanId,
    parentSpanId: span.parentSpanContext?.spanId,
    attributes: span.attributes,
    status: span.status,
  }));
  process.send({ spans, envelopes, metrics: recorded });
});
