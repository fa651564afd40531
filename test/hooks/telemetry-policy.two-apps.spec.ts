import { QueryBus } from '@nestjs/cqrs';
import type { TestingModule } from '@nestjs/testing';
import { GetOrderQuery } from '../fixtures/orders.fixture';
import { startTracingSdk, type TracingSdk } from '../tracing/tracing-sdk';
import { createTestApp } from '../utils/create-app';

/**
 * A message class's operation descriptor is the process's, its telemetry policy one app's: two
 * apps in one process (an app and its microservice, two apps in one test file) with different
 * `telemetry` options each follow their own, however their dispatches interleave.
 */
describe('telemetry policies of two applications in one process', () => {
  let sdk: TracingSdk;
  let quiet: TestingModule;
  let loud: TestingModule;

  beforeAll(async () => {
    sdk = startTracingSdk();
    const signals = { metrics: false, logging: false, sentry: false } as const;
    quiet = await createTestApp({
      observability: {
        ...signals,
        telemetry: { messages: new Map([[GetOrderQuery, { tracing: false }]]) },
      },
    });
    // Policies of its own, about another type: it looks GetOrderQuery up too.
    loud = await createTestApp({
      observability: {
        ...signals,
        telemetry: { messages: { PlaceOrderCommand: { logs: false } } },
      },
    });
  });
  afterAll(async () => {
    await quiet.close();
    await loud.close();
    await sdk.shutdown();
  });

  it('traces the query in the app without the policy only, dispatch after dispatch', async () => {
    for (let i = 0; i < 3; i++) {
      await quiet.get(QueryBus).execute(new GetOrderQuery({ sku: `quiet-${i}` }));
      await loud.get(QueryBus).execute(new GetOrderQuery({ sku: `loud-${i}` }));
    }
    const spans = sdk.exporter.getFinishedSpans().filter((s) => s.name === 'cqrs.GetOrderQuery');
    expect(spans).toHaveLength(3);
    expect(spans.map((span) => span.attributes['cqrs.handler'])).toEqual([
      'GetOrderHandler',
      'GetOrderHandler',
      'GetOrderHandler',
    ]);
    const payloads = spans.map((span) => JSON.stringify(span.events[0]?.attributes));
    expect(payloads.every((payload) => payload.includes('loud-'))).toBe(true);
  });
});
