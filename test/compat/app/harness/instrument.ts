/**
 * Preloaded by the compatibility e2e test in place of the README's `instrument.ts`: the same
 * real SDKs, with sinks the test can read — an InMemorySpanExporter and a Sentry transport
 * that records envelopes — handed to the parent test process over IPC.
 */
import { context, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import * as Sentry from '@sentry/nestjs';
import { createTracing } from './otel.js';

const { provider, exporter } = createTracing();
trace.setGlobalTracerProvider(provider);
context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());

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

process.on('message', (message) => {
  if (message !== 'telemetry' || !process.send) return;
  const spans = exporter.getFinishedSpans().map((span) => ({
    name: span.name,
    kind: span.kind,
    traceId: span.spanContext().traceId,
    spanId: span.spanContext().spanId,
    parentSpanId: span.parentSpanContext?.spanId,
    attributes: span.attributes,
    status: span.status,
  }));
  process.send({ spans, envelopes });
});
