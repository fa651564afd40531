import type { Attributes, Context, Link, SpanKind } from '@opentelemetry/api';
import { CommandBus } from '@nestjs/cqrs';
import type { TestingModule } from '@nestjs/testing';
import {
  ParentBasedSampler,
  SamplingDecision,
  type Sampler,
  type SamplingResult,
} from '@opentelemetry/sdk-trace-node';
import { PlaceOrderCommand, Recorder, ReserveStockCommand } from '../fixtures/orders.fixture';
import { createTestApp, flush } from '../utils/create-app';
import { startTracingSdk, type TracingSdk } from './tracing-sdk';

/** Samples every root span except a PlaceOrderCommand's: what runs under that one is dropped too. */
class DropPlaceOrderRoots implements Sampler {
  shouldSample(
    _context: Context,
    _traceId: string,
    name: string,
    _kind: SpanKind,
    _attributes: Attributes,
    _links: Link[],
  ): SamplingResult {
    return {
      decision:
        name === 'cqrs.PlaceOrderCommand'
          ? SamplingDecision.NOT_RECORD
          : SamplingDecision.RECORD_AND_SAMPLED,
    };
  }
  toString(): string {
    return 'DropPlaceOrderRoots';
  }
}

let sdk: TracingSdk;
let app: TestingModule;

beforeAll(async () => {
  sdk = startTracingSdk({ sampler: new ParentBasedSampler({ root: new DropPlaceOrderRoots() }) });
  app = await createTestApp({ observability: { metrics: false, logging: false, sentry: false } });
});
afterAll(async () => {
  await app.close();
  await sdk.shutdown();
});
beforeEach(() => sdk.exporter.reset());

describe('tracing: an operation whose span the sampler drops', () => {
  it('is still the active span while it runs: what it dispatches is dropped with it', async () => {
    const recorder = app.get(Recorder);
    recorder.calls.length = 0;

    await expect(
      app.get(CommandBus).execute(new PlaceOrderCommand({ sku: 'S', quantity: 1 })),
    ).resolves.toBe(recorder.result);
    await flush();

    // The flow ran whole (event, handlers, saga, the saga's command) and made no span: each
    // step's parent was the dropped span, whose decision ParentBasedSampler follows.
    expect(recorder.calls).toEqual(
      expect.arrayContaining(['PlaceOrderHandler', 'SendConfirmationHandler', 'OrderSaga']),
    );
    expect(sdk.exporter.getFinishedSpans()).toEqual([]);
  });

  it('keeps its result and errors, and a sampled operation beside it is recorded', async () => {
    const recorder = app.get(Recorder);
    expect(() =>
      app
        .get(CommandBus)
        .execute(new PlaceOrderCommand({ sku: 'S', quantity: 1, mode: 'sync-throw' })),
    ).toThrow(recorder.syncError);
    await expect(
      app.get(CommandBus).execute(new PlaceOrderCommand({ sku: 'S', quantity: 1, mode: 'reject' })),
    ).rejects.toBe(recorder.asyncError);
    expect(sdk.exporter.getFinishedSpans()).toEqual([]);

    // The guard: the SDK records what the sampler keeps.
    await app.get(CommandBus).execute(new ReserveStockCommand({ sku: 'kept' }));
    expect(sdk.exporter.getFinishedSpans().map((span) => span.name)).toEqual([
      'cqrs.ReserveStockCommand',
    ]);
  });
});
