import type { LoggerService } from '@nestjs/common';
import { CommandBus, CqrsModule } from '@nestjs/cqrs';
import { Test, type TestingModule } from '@nestjs/testing';
import * as Sentry from '@sentry/nestjs';
import { CqrsObservabilityModule } from '../../lib';
import { ORDER_HANDLERS, PlaceOrderCommand, Recorder } from '../fixtures/orders.fixture';
import { RecordingTransport, sentryTestOptions } from './recording-transport';

class CapturingLogger implements LoggerService {
  readonly messages: string[] = [];
  log = (message: unknown) => this.messages.push(String(message));
  error = (message: unknown) => this.messages.push(String(message));
  warn = (message: unknown) => this.messages.push(String(message));
  debug = () => undefined;
  verbose = () => undefined;
}

describe('Sentry signal lifecycle', () => {
  const transport = new RecordingTransport();
  let app: TestingModule | undefined;
  let logger: CapturingLogger;

  async function start(imports: any[] = []): Promise<TestingModule> {
    logger = new CapturingLogger();
    app = await Test.createTestingModule({
      imports: [
        ...imports,
        CqrsModule.forRoot(),
        CqrsObservabilityModule.forRoot({ tracing: false, metrics: false, logging: false }),
      ],
      providers: ORDER_HANDLERS,
    })
      .setLogger(logger)
      .compile();
    await app.init();
    return app;
  }

  afterEach(async () => {
    await app?.close();
    app = undefined;
  });
  afterAll(() => Sentry.close(2000));

  it('waits for Sentry.init(), even one made after bootstrap', async () => {
    const moduleRef = await start();
    const recorder = moduleRef.get(Recorder);
    const bus = moduleRef.get(CommandBus);

    // Not initialised yet: nothing happens, and the failure is the caller's as ever.
    expect(Sentry.isInitialized()).toBe(false);
    expect(() =>
      bus.execute(new PlaceOrderCommand({ sku: 'B-1', quantity: 1, mode: 'sync-throw' })),
    ).toThrow(recorder.syncError);

    Sentry.init(sentryTestOptions(transport));
    await expect(
      bus.execute(new PlaceOrderCommand({ sku: 'B-2', quantity: 1, mode: 'reject' })),
    ).rejects.toBe(recorder.asyncError);
    await Sentry.flush(2000);

    expect(transport.events().map((e) => e.exception.values[0].value)).toEqual(['async failure']);
    expect(logger.messages.filter((m) => m.includes('Sentry'))).toEqual([]);
  });
});
