import { CommandBus, CqrsModule, EventBus } from '@nestjs/cqrs';
import { Test, type TestingModule } from '@nestjs/testing';
import { LoggerModule } from 'nestjs-pino';
import { CqrsObservabilityModule } from '../../lib';
import { FAILURE_REPORTER } from '../../lib/shared/tokens';
import { FailureReporter } from '../../lib/errors/failure-reporter';
import {
  ORDER_HANDLERS,
  PlaceOrderCommand,
  PoisonEvent,
  Recorder,
} from '../fixtures/orders.fixture';
import { flush } from '../utils/create-app';

describe('a logger that throws', () => {
  const diskFull = new Error('disk full');
  // pino accepts any object with write(): this one fails every line.
  const brokenStream = {
    writes: 0,
    write(): void {
      brokenStream.writes++;
      throw diskFull;
    },
  };
  const warnings: string[] = [];
  let app: TestingModule;

  beforeAll(async () => {
    app = await Test.createTestingModule({
      imports: [
        CqrsModule.forRoot(),
        CqrsObservabilityModule.forRoot({ tracing: false, metrics: false, sentry: false }),
        LoggerModule.forRoot({ pinoHttp: [{ level: 'debug' }, brokenStream] }),
      ],
      providers: ORDER_HANDLERS,
    })
      .overrideProvider(FAILURE_REPORTER)
      .useValue(new FailureReporter({ warn: (message: string) => warnings.push(message) }))
      .compile();
    await app.init();
  });

  afterAll(() => app.close());

  it("never changes the handler's result or error, and is reported once", async () => {
    const bus = app.get(CommandBus);
    const recorder = app.get(Recorder);

    await expect(bus.execute(new PlaceOrderCommand({ sku: 'F-1', quantity: 1 }))).resolves.toBe(
      recorder.result,
    );
    expect(() =>
      bus.execute(new PlaceOrderCommand({ sku: 'F-2', quantity: 1, mode: 'sync-throw' })),
    ).toThrow(recorder.syncError);
    await expect(
      bus.execute(new PlaceOrderCommand({ sku: 'F-3', quantity: 1, mode: 'reject' })),
    ).rejects.toBe(recorder.asyncError);
    app.get(EventBus).publish(new PoisonEvent({}));
    await flush();
    await flush();

    // The logger was really tried for each line: commands, event handler, saga's command, saga.
    expect(brokenStream.writes).toBeGreaterThanOrEqual(6);
    expect(warnings).toEqual(['CQRS logging failed: Error: disk full']);
  });
});
