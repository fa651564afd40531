/**
 * Telemetry bootstrap, preloaded with `node -r ./sample-app/dist/instrument.js` so it runs before
 * anything requires `http` or Nest: the HTTP instrumentation can only patch modules loaded
 * after it, and an incoming `traceparent` must become the parent of the command spans.
 *
 * The library never creates a TracerProvider or calls `Sentry.init`; this file is the
 * application's half of the contract.
 */
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { NodeSDK } from '@opentelemetry/sdk-node';
import {
  BatchSpanProcessor,
  SimpleSpanProcessor,
  type SpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import * as Sentry from '@sentry/nestjs';
import { CompactConsoleSpanExporter } from './tracing/compact-console.span-exporter';

// The warehouse service preloads this file too, under its own name.
const SERVICE_NAME = process.env.OTEL_SERVICE_NAME ?? 'orders-sample';
const SHUTDOWN_TIMEOUT_MS = 5000;

const sentryEnabled = Boolean(process.env.SENTRY_DSN);

if (sentryEnabled) {
  // Our NodeSDK below owns the TracerProvider (one setup whether Sentry is on or not, and the
  // spans go to Jaeger/OTLP as usual), so Sentry must not install its own:
  // `skipOpenTelemetrySetup`. Sentry then reports errors — the library captures each failed
  // command, query, event handler and saga — carrying the active OpenTelemetry trace id, so a
  // Sentry issue leads to its trace in Jaeger. `tracesSampleRate` only matters if you also add
  // Sentry's span processor from `@sentry/opentelemetry` to send traces to Sentry.
  Sentry.init({
    dsn: process.env.SENTRY_DSN,
    environment: process.env.SENTRY_ENVIRONMENT ?? 'development',
    skipOpenTelemetrySetup: true,
    tracesSampleRate: Number(process.env.SENTRY_TRACES_SAMPLE_RATE ?? '1.0'),
    // Without this, Sentry's http integration would register a second HTTP instrumentation on
    // our provider and every request would have two server spans.
    integrations: [Sentry.httpIntegration({ spans: false })],
  });
}

function spanProcessors(): SpanProcessor[] {
  if (process.env.OTEL_EXPORTER_OTLP_ENDPOINT) {
    // The exporter reads OTEL_EXPORTER_OTLP_ENDPOINT itself and appends /v1/traces.
    return [new BatchSpanProcessor(new OTLPTraceExporter())];
  }
  // Printed as soon as each span ends, so the lines interleave with the request's log lines.
  return [new SimpleSpanProcessor(new CompactConsoleSpanExporter())];
}

const sdk = new NodeSDK({
  serviceName: SERVICE_NAME,
  spanProcessors: spanProcessors(),
  // Traces only: metrics are served by prom-client on GET /metrics and logs are pino lines on
  // stdout. Left unset, the SDK would add an OTLP log exporter aimed at localhost:4318.
  metricReaders: [],
  logRecordProcessors: [],
  // Sentry's docs require its context manager when Sentry runs on someone else's OpenTelemetry
  // setup: it forks Sentry's scopes with each OpenTelemetry context, so tags and breadcrumbs of
  // concurrent requests never mix. Without Sentry the SDK's default is the right one.
  ...(sentryEnabled ? { contextManager: new Sentry.SentryContextManager() } : {}),
  instrumentations: [
    new HttpInstrumentation({
      // The correlation id the library echoes becomes an attribute of the HTTP server span, so
      // a flow can be found in Jaeger by the id a user reports.
      headersToSpanAttributes: { server: { responseHeaders: ['x-correlation-id'] } },
      // Prometheus scrapes every few seconds; those spans would drown the orders' traces.
      ignoreIncomingRequestHook: (request) => request.url === '/metrics',
    }),
  ],
});
sdk.start();

let shuttingDown = false;

/**
 * Flushes pending spans and Sentry events, then exits. The in-memory sample has nothing else to
 * close; an application with resources calls `app.close()` first (see Nest's shutdown hooks).
 */
function shutdown(): void {
  if (shuttingDown) return;
  shuttingDown = true;
  const timeout = new Promise((resolve) => setTimeout(resolve, SHUTDOWN_TIMEOUT_MS).unref());
  const flushes = Promise.allSettled([
    sdk.shutdown(),
    sentryEnabled ? Sentry.close(SHUTDOWN_TIMEOUT_MS) : Promise.resolve(true),
  ]);
  // A graceful stop on request, so exit 0 rather than 128 + the signal number.
  void Promise.race([flushes, timeout]).then(() => process.exit(0));
}

process.once('SIGINT', shutdown);
process.once('SIGTERM', shutdown);
