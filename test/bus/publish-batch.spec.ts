import { EventBus } from '@nestjs/cqrs';
import type { TestingModule } from '@nestjs/testing';
import { SpanKind } from '@opentelemetry/api';
import { HookRegistry, type OperationAttributes } from '../../lib';
import { OrderPlacedEvent, Recorder } from '../fixtures/orders.fixture';
import { BatchingPublisherInstaller, SEMANTICS_HANDLERS } from '../fixtures/semantics.fixture';
import { isChildOf, startTracingSdk, type TracingSdk } from '../tracing/tracing-sdk';
import { createTestApp, flush } from '../utils/create-app';

/**
 * publishAll as one batch: every event its own event.dispatch operation, the publisher one call.
 * What hooks may decide about a batch (wrapped apps only: a bare bus has no hooks).
 */

let sdk: TracingSdk;
let app: TestingModule;
let installer: BatchingPublisherInstaller;

beforeAll(() => {
  sdk = startTracingSdk();
});

afterAll(async () => {
  await sdk.shutdown();
});

beforeEach(async () => {
  sdk.exporter.reset();
  app = await createTestApp({
    observability: { metrics: false, logging: false, sentry: false },
    providers: [...SEMANTICS_HANDLERS, BatchingPublisherInstaller],
  });
  installer = app.get(BatchingPublisherInstaller);
});

afterEach(async () => {
  await app.close();
});

const batch = () => ['B1', 'B2', 'B3'].map((sku) => new OrderPlacedEvent({ sku }));
const skuOf = (attributes: OperationAttributes) => (attributes.message as OrderPlacedEvent).sku;

it('gives each event its own dispatch span, siblings, each the parent of its handlers', async () => {
  await app.get(EventBus).publishAll(batch());
  await flush();

  const spans = sdk.exporter.getFinishedSpans();
  const dispatches = spans.filter((span) => span.name === 'event.dispatch.OrderPlacedEvent');
  expect(dispatches).toHaveLength(3);
  expect(dispatches.every((span) => span.kind === SpanKind.PRODUCER)).toBe(true);
  // Siblings: none is the parent of another.
  for (const a of dispatches) for (const b of dispatches) expect(isChildOf(a, b)).toBe(false);
  const handlers = spans.filter(
    (span) => span.name === 'event.handler.OrderPlacedEvent.SendConfirmationHandler',
  );
  expect(handlers).toHaveLength(3);
  for (const handler of handlers) {
    expect(dispatches.filter((dispatch) => isChildOf(handler, dispatch))).toHaveLength(1);
  }
  // The saga's spans too: each under the publish span of the event it answered.
  const sagas = spans.filter((span) => span.name === 'saga.run.OrderSaga');
  expect(sagas).toHaveLength(3);
  for (const saga of sagas) {
    expect(dispatches.filter((dispatch) => isChildOf(saga, dispatch))).toHaveLength(1);
  }
  expect(new Set(sagas.map((saga) => saga.parentSpanContext?.spanId)).size).toBe(3);
  expect(installer.publisher.batches).toHaveLength(1);
});

it('leaves out of the batch an event whose hook returns without calling next()', async () => {
  app
    .get(HookRegistry)
    .register(
      async (_operation, attributes, next) => (skuOf(attributes) === 'B2' ? 'skipped' : next()),
      { operations: ['event.dispatch.*'] },
    );
  const returned: unknown = app.get(EventBus).publishAll(batch());

  expect(await returned).toEqual({ batch: 2 });
  expect(installer.publisher.batches.map((events) => events.map(skuOfEvent))).toEqual([
    ['B1', 'B3'],
  ]);
});

it('publishes nothing when a hook rejects before next(); the caller gets its error', async () => {
  const refusal = new Error('rate limited');
  app.get(HookRegistry).register(
    async (_operation, attributes, next) => {
      await Promise.resolve();
      if (skuOf(attributes) === 'B2') throw refusal;
      return next();
    },
    { operations: ['event.dispatch.*'] },
  );
  const returned: unknown = app.get(EventBus).publishAll(batch());

  await expect(returned).rejects.toBe(refusal);
  await flush();
  expect(installer.publisher.batches).toEqual([]);
  expect(app.get(Recorder).calls).toEqual([]);
  // The guard: without the refusal, the same app publishes.
  await app.get(EventBus).publishAll([new OrderPlacedEvent({ sku: 'OK' })]);
  expect(installer.publisher.batches).toHaveLength(1);
});

it('publishes nothing when a hook throws synchronously; the throw stays synchronous', async () => {
  const refusal = new Error('refused at once');
  app.get(HookRegistry).register(
    (_operation, attributes, next) => {
      if (skuOf(attributes) === 'B2') throw refusal;
      return next();
    },
    { operations: ['event.dispatch.*'] },
  );

  expect(() => app.get(EventBus).publishAll(batch())).toThrow(refusal);
  await flush();
  expect(installer.publisher.batches).toEqual([]);
  expect(app.get(Recorder).calls).toEqual([]);
  await app.get(EventBus).publishAll([new OrderPlacedEvent({ sku: 'OK' })]);
  expect(installer.publisher.batches).toHaveLength(1);
});

function skuOfEvent(event: unknown): string {
  return (event as OrderPlacedEvent).sku;
}
