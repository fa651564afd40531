import { CommandBus } from '@nestjs/cqrs';
import type { TestingModule } from '@nestjs/testing';
import { OpenTelemetrySpanFactory, type SpanAttributesProvider } from '../../lib';
import { PlaceOrderCommand, Recorder } from '../fixtures/orders.fixture';
import { createTestApp, flush } from '../utils/create-app';
import { COUNTED_RESULT, CountedCommand, CountedCommandHandler } from './counted-command.fixture';
import { CountingDropSampler, startTracingSdk, type TracingSdk } from './tracing-sdk';

let sdk: TracingSdk;
let app: TestingModule;
let providerCalls = 0;
const sampler = new CountingDropSampler();

beforeAll(async () => {
  sdk = startTracingSdk({ sampler });
  const spanFactory = new OpenTelemetrySpanFactory();
  const counting: SpanAttributesProvider = () => {
    providerCalls++;
    return { 'app.counted': true };
  };
  spanFactory.registerSpanAttributesProvider(counting);
  app = await createTestApp({
    observability: {
      metrics: false,
      logging: false,
      sentry: false,
      tracing: { spanFactory, recordRequestedBy: true },
    },
    providers: [CountedCommandHandler],
  });
});

afterAll(async () => {
  await app.close();
  await sdk.shutdown();
});

describe('tracing: a sampler that drops every span', () => {
  it('never reads the payload, nor runs the attribute providers', async () => {
    sampler.asked = [];
    const command = new CountedCommand();
    await expect(app.get(CommandBus).execute(command)).resolves.toBe(COUNTED_RESULT);
    // The guard: the span was asked for, and dropped by the sampler.
    expect(sampler.asked).toEqual(['cqrs.CountedCommand']);
    expect(command.reads).toBe(0);
    expect(providerCalls).toBe(0);
    expect(sdk.exporter.getFinishedSpans()).toEqual([]);
  });

  it('leaves results and errors unchanged', async () => {
    const recorder = app.get(Recorder);
    recorder.calls.length = 0;
    await expect(
      app.get(CommandBus).execute(new PlaceOrderCommand({ sku: 'S', quantity: 1 })),
    ).resolves.toBe(recorder.result);
    await flush();
    expect(recorder.calls.sort()).toEqual([
      'OrderSaga',
      'PlaceOrderHandler',
      'ReserveStockHandler',
      'SendConfirmationHandler',
    ]);
    expect(() =>
      app
        .get(CommandBus)
        .execute(new PlaceOrderCommand({ sku: 'S', quantity: 1, mode: 'sync-throw' })),
    ).toThrow(recorder.syncError);
    expect(sampler.asked).toContain('cqrs.PlaceOrderCommand');
    expect(sdk.exporter.getFinishedSpans()).toEqual([]);
    expect(providerCalls).toBe(0);
  });
});
