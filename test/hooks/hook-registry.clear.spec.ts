import { CommandBus } from '@nestjs/cqrs';
import type { TestingModule } from '@nestjs/testing';
import { HookRegistry, type HookNext, type OperationAttributes } from '../../lib';
import { PlaceOrderCommand } from '../fixtures/orders.fixture';
import { spanNamed, startTracingSdk, type TracingSdk } from '../tracing/tracing-sdk';
import { createTestApp } from '../utils/create-app';

let sdk: TracingSdk;
let app: TestingModule | undefined;
beforeAll(() => {
  sdk = startTracingSdk();
});
afterAll(async () => {
  await sdk.shutdown();
});
beforeEach(() => sdk.exporter.reset());
afterEach(async () => {
  await app?.close();
  app = undefined;
});

describe('HookRegistry.clear() in an app', () => {
  it("removes the app's hooks and keeps the built-in signals: the command still gets its span", async () => {
    app = await createTestApp({ observability: { metrics: false, logging: false } });
    const registry = app.get(HookRegistry);
    const hook = jest.fn((_o: string, _a: OperationAttributes, next: HookNext) => next());
    registry.register(hook);

    registry.clear();
    await app.get(CommandBus).execute(new PlaceOrderCommand({ sku: 'SKU-1', quantity: 1 }));

    expect(hook).not.toHaveBeenCalled();
    const span = spanNamed(sdk.exporter.getFinishedSpans(), 'cqrs.PlaceOrderCommand');
    expect(span.attributes['cqrs.outcome']).toBe('success');
  });
});
