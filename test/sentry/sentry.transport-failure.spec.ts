import { CommandBus, CqrsModule, EventBus } from '@nestjs/cqrs';
import { Test, type TestingModule } from '@nestjs/testing';
import * as Sentry from '@sentry/nestjs';
import { CqrsObservabilityModule } from '../../lib';
import { FAILURE_REPORTER } from '../../lib/shared/tokens';
import { FailureReporter } from '../../lib/errors/failure-reporter';
import {
  FailingEvent,
  ORDER_HANDLERS,
  PlaceOrderCommand,
  Recorder,
} from '../fixtures/orders.fixture';
import { flush } from '../utils/create-app';
import { RecordingTransport, sentryTestOptions, type TransportMode } from './recording-transport';

describe('a Sentry transport that fails', () => {
  const transport = new RecordingTransport();
  let warnings: string[];
  let app: TestingModule | undefined;

  beforeAll(() => {
    Sentry.init(sentryTestOptions(transport));
  });
  afterAll(() => Sentry.close(2000));

  afterEach(async () => {
    await app?.close();
    app = undefined;
  });

  async function start(mode: TransportMode): Promise<TestingModule> {
    transport.clear();
    transport.mode = mode;
    warnings = [];
    app = await Test.createTestingModule({
      imports: [
        CqrsModule.forRoot(),
        CqrsObservabilityModule.forRoot({ tracing: false, metrics: false, logging: false }),
      ],
      providers: ORDER_HANDLERS,
    })
      .overrideProvider(FAILURE_REPORTER)
      .useValue(new FailureReporter({ warn: (message: string) => warnings.push(message) }))
      .compile();
    await app.init();
    return app;
  }

  async function failTwice(moduleRef: TestingModule): Promise<void> {
    const recorder = moduleRef.get(Recorder);
    const bus = moduleRef.get(CommandBus);
    expect(() =>
      bus.execute(new PlaceOrderCommand({ sku: 'X-1', quantity: 1, mode: 'sync-throw' })),
    ).toThrow(recorder.syncError);
    await expect(
      bus.execute(new PlaceOrderCommand({ sku: 'X-2', quantity: 1, mode: 'reject' })),
    ).rejects.toBe(recorder.asyncError);
    moduleRef.get(EventBus).publish(new FailingEvent({}));
    await flush();
    await Sentry.flush(2000);
  }

  it('leaves results and errors unchanged and reports a rejected request once', async () => {
    const moduleRef = await start('reject');

    await failTwice(moduleRef);
    await expect(
      moduleRef.get(CommandBus).execute(new PlaceOrderCommand({ sku: 'X-3', quantity: 1 })),
    ).resolves.toBe(moduleRef.get(Recorder).result);

    expect(transport.requests).toBe(3);
    expect(warnings).toEqual([
      expect.stringMatching(
        /^Sentry transport failed: Error: event [0-9a-f]{32} was not delivered: no response \(network error, rate limit or full queue\)$/,
      ),
    ]);
  });

  it('reports a refused event with its status', async () => {
    const moduleRef = await start('refuse-500');

    await failTwice(moduleRef);

    expect(transport.requests).toBe(3);
    expect(warnings).toEqual([
      expect.stringMatching(
        /^Sentry transport failed: Error: event [0-9a-f]{32} was not delivered: status 500$/,
      ),
    ]);
  });

  it('reports nothing when Sentry accepts', async () => {
    const moduleRef = await start('accept');

    await failTwice(moduleRef);

    expect(transport.events()).toHaveLength(3);
    expect(warnings).toEqual([]);
  });
});
