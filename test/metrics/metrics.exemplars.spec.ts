import { context, trace, TraceFlags, type Span } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { CommandBus, QueryBus } from '@nestjs/cqrs';
import type { TestingModule } from '@nestjs/testing';
import { Registry, type OpenMetricsContentType } from 'prom-client';
import { GetOrderQuery, PlaceOrderCommand, Recorder } from '../fixtures/orders.fixture';
import { createTestApp, flush } from '../utils/create-app';
import { CapturingLogger, createLoggedTestApp, METRICS_ONLY } from './metrics-app';
import { samplesOf, valueOf } from './prometheus-text';

function openMetricsRegistry(): Registry<OpenMetricsContentType> {
  const registry = new Registry<OpenMetricsContentType>();
  registry.setContentType(Registry.OPENMETRICS_CONTENT_TYPE);
  return registry;
}

describe('metrics exemplars', () => {
  const contextManager = new AsyncLocalStorageContextManager();
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  const tracer = provider.getTracer('metrics-exemplars-test');
  const apps: TestingModule[] = [];

  beforeAll(() => {
    context.setGlobalContextManager(contextManager.enable());
  });

  afterAll(async () => {
    context.disable();
    await provider.shutdown();
  });

  afterEach(async () => {
    exporter.reset();
    for (const app of apps.splice(0)) await app.close();
  });

  async function inSpan<T>(work: () => Promise<T>): Promise<{ span: Span; result: T }> {
    return tracer.startActiveSpan('request', async (span) => {
      try {
        return { span, result: await work() };
      } finally {
        span.end();
      }
    });
  }

  it('attaches the active trace id to durations and counts on an OpenMetrics registry', async () => {
    const registry = openMetricsRegistry();
    const app = await createTestApp({
      observability: { ...METRICS_ONLY, metrics: { registry, exemplars: true } },
    });
    apps.push(app);
    const recorder = app.get(Recorder);

    const { span, result } = await inSpan(async () => {
      const value = await app
        .get(CommandBus)
        .execute(new PlaceOrderCommand({ sku: 'A', quantity: 1 }));
      for (let i = 0; i < 5; i++) await flush();
      return value;
    });
    expect(result).toBe(recorder.result);
    const traceId = span.spanContext().traceId;
    expect(exporter.getFinishedSpans().map((finished) => finished.name)).toEqual(['request']);

    const text = await registry.metrics();
    const labels = { kind: 'command', message_type: 'PlaceOrderCommand', outcome: 'success' };
    const total = samplesOf(text, 'cqrs_message_total', labels);
    expect(total).toEqual([
      { name: 'cqrs_message_total', labels, value: 1, exemplar: { trace_id: traceId } },
    ]);
    const buckets = samplesOf(text, 'cqrs_message_duration_seconds_bucket', labels);
    const withExemplar = buckets.filter((bucket) => bucket.exemplar !== undefined);
    // One observation: its exemplar sits on the one bucket it fell into.
    expect(withExemplar).toHaveLength(1);
    expect(withExemplar[0]!.exemplar).toEqual({ trace_id: traceId });
    expect(text).toMatch(
      new RegExp(`cqrs_message_duration_seconds_bucket\\{[^}]*\\} 1 # \\{trace_id="${traceId}"\\}`),
    );
    // Event handlers run in the publisher's context: same trace.
    expect(
      samplesOf(text, 'cqrs_event_handler_total', { handler: 'SendConfirmationHandler' }).map(
        (sample) => sample.exemplar,
      ),
    ).toEqual([{ trace_id: traceId }]);
    expect(text.endsWith('# EOF\n')).toBe(true);
  });

  it('records without an exemplar when there is no sampled span', async () => {
    const registry = openMetricsRegistry();
    const app = await createTestApp({
      observability: { ...METRICS_ONLY, metrics: { registry, exemplars: true } },
    });
    apps.push(app);
    const bus = app.get(QueryBus);

    await bus.execute(new GetOrderQuery({ sku: 'no-span' }));
    const unsampled = trace.wrapSpanContext({
      traceId: '0af7651916cd43dd8448eb211c80319c',
      spanId: 'b7ad6b7169203331',
      traceFlags: TraceFlags.NONE,
    });
    await context.with(trace.setSpan(context.active(), unsampled), () =>
      bus.execute(new GetOrderQuery({ sku: 'unsampled' })),
    );

    const text = await registry.metrics();
    const labels = { kind: 'query', message_type: 'GetOrderQuery', outcome: 'success' };
    expect(valueOf(text, 'cqrs_message_total', labels)).toBe(2);
    expect(text).not.toContain('trace_id');
  });

  it('keeps working for a second app on the same OpenMetrics registry after a scrape', async () => {
    const registry = openMetricsRegistry();
    const first = await createTestApp({
      observability: { ...METRICS_ONLY, metrics: { registry, exemplars: true } },
    });
    apps.push(first);
    await first.get(QueryBus).execute(new GetOrderQuery({ sku: 'A' }));
    await registry.metrics();

    const second = await createTestApp({
      observability: { ...METRICS_ONLY, metrics: { registry, exemplars: true } },
    });
    apps.push(second);
    const { span } = await inSpan(() =>
      second.get(QueryBus).execute(new GetOrderQuery({ sku: 'B' })),
    );

    const text = await registry.metrics();
    const labels = { kind: 'query', message_type: 'GetOrderQuery', outcome: 'success' };
    expect(samplesOf(text, 'cqrs_message_total', labels)).toEqual([
      {
        name: 'cqrs_message_total',
        labels,
        value: 2,
        exemplar: { trace_id: span.spanContext().traceId },
      },
    ]);
  });

  it('says once that a Prometheus-format registry cannot carry exemplars, and records anyway', async () => {
    const registry = new Registry();
    const logger = new CapturingLogger();
    const app = await createLoggedTestApp(
      { ...METRICS_ONLY, metrics: { registry, exemplars: true } },
      logger,
    );
    apps.push(app);

    await inSpan(() => app.get(QueryBus).execute(new GetOrderQuery({ sku: 'A' })));
    await inSpan(() => app.get(QueryBus).execute(new GetOrderQuery({ sku: 'B' })));

    expect(logger.matching('warn', 'exemplars')).toEqual([
      'metrics.exemplars needs an OpenMetrics registry ' +
        '(registry.setContentType(Registry.OPENMETRICS_CONTENT_TYPE)): metrics are recorded without exemplars',
    ]);
    const text = await registry.metrics();
    expect(
      valueOf(text, 'cqrs_message_total', {
        kind: 'query',
        message_type: 'GetOrderQuery',
        outcome: 'success',
      }),
    ).toBe(2);
    expect(text).not.toContain('trace_id');
  });
});
