import { CommandBus, QueryBus } from '@nestjs/cqrs';
import type { TestingModule } from '@nestjs/testing';
import { SpanStatusCode } from '@opentelemetry/api';
import type { ExportResult } from '@opentelemetry/core';
import {
  SimpleSpanProcessor,
  type ReadableSpan,
  type Span,
  type SpanExporter,
  type SpanProcessor,
} from '@opentelemetry/sdk-trace-node';
import { FAILURE_REPORTER } from '../../lib/shared/tokens';
import type { FailureReporter } from '../../lib/errors/failure-reporter';
import { GetOrderQuery, PlaceOrderCommand, Recorder } from '../fixtures/orders.fixture';
import { createTestApp, flush } from '../utils/create-app';
import { spanNamed, startTracingSdk, type TracingSdk } from './tracing-sdk';

/** An exporter whose backend is down: export throws. */
class ThrowingExporter implements SpanExporter {
  calls = 0;
  export(_spans: ReadableSpan[], _done: (result: ExportResult) => void): void {
    this.calls++;
    throw new Error('collector unreachable');
  }
  async shutdown(): Promise<void> {}
}

/** A processor that fails on every span end, and on the start of query spans. */
class ThrowingProcessor implements SpanProcessor {
  onStart(span: Span): void {
    if (span.name === 'cqrs.GetOrderQuery') throw new Error('processor onStart failure');
  }
  onEnd(): void {
    throw new Error('processor onEnd failure');
  }
  async forceFlush(): Promise<void> {}
  async shutdown(): Promise<void> {}
}

let sdk: TracingSdk;
let app: TestingModule;
let recorder: Recorder;
let reports: string[];
const exporter = new ThrowingExporter();

beforeAll(async () => {
  // The in-memory exporter comes first: the SDK stops at the first processor that throws.
  sdk = startTracingSdk({
    spanProcessors: [new SimpleSpanProcessor(exporter), new ThrowingProcessor()],
  });
  app = await createTestApp({ observability: { metrics: false, logging: false, sentry: false } });
  recorder = app.get(Recorder);
  const reporter = app.get<FailureReporter>(FAILURE_REPORTER);
  const report = reporter.report.bind(reporter);
  jest.spyOn(reporter, 'report').mockImplementation((source, error) => {
    reports.push(`${source}: ${(error as Error).message}`);
    report(source, error);
  });
});

afterAll(async () => {
  await app.close();
  await sdk.shutdown();
});

beforeEach(() => {
  reports = [];
  sdk.exporter.reset();
});

describe('tracing: a failing span processor and exporter', () => {
  it('hands back the handler result and still records the spans', async () => {
    const result = await app
      .get(CommandBus)
      .execute(new PlaceOrderCommand({ sku: 'S', quantity: 1 }));
    await flush();
    expect(result).toBe(recorder.result);
    const spans = sdk.exporter.getFinishedSpans();
    expect(spanNamed(spans, 'cqrs.PlaceOrderCommand').attributes['cqrs.outcome']).toBe('success');
    expect(spans).toHaveLength(5);
    expect(exporter.calls).toBeGreaterThanOrEqual(5);
    expect(reports).toContain('Tracing: processor onEnd failure');
  });

  it('rejects with the handler error itself', async () => {
    await expect(
      app.get(CommandBus).execute(new PlaceOrderCommand({ sku: 'S', quantity: 1, mode: 'reject' })),
    ).rejects.toBe(recorder.asyncError);
    expect(spanNamed(sdk.exporter.getFinishedSpans(), 'cqrs.PlaceOrderCommand').status.code).toBe(
      SpanStatusCode.ERROR,
    );
  });

  it('keeps a synchronous throw synchronous', () => {
    expect(() =>
      app
        .get(CommandBus)
        .execute(new PlaceOrderCommand({ sku: 'S', quantity: 1, mode: 'sync-throw' })),
    ).toThrow(recorder.syncError);
  });

  it('runs the operation untraced when the span cannot even start', async () => {
    await expect(app.get(QueryBus).execute(new GetOrderQuery({ sku: 'Q' }))).resolves.toEqual({
      sku: 'Q',
    });
    expect(sdk.exporter.getFinishedSpans().map((s) => s.name)).not.toContain('cqrs.GetOrderQuery');
    expect(reports).toContain('Tracing: processor onStart failure');
  });
});
