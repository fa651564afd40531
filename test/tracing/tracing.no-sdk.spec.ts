import { CommandBus, CommandHandler, EventBus, QueryBus, type ICommandHandler } from '@nestjs/cqrs';
import type { TestingModule } from '@nestjs/testing';
import { trace } from '@opentelemetry/api';
import { BaseCommand, ObservabilityContext } from '../../lib';
import {
  FailingEvent,
  GetOrderQuery,
  PlaceOrderCommand,
  Recorder,
} from '../fixtures/orders.fixture';
import { createTestApp, flush } from '../utils/create-app';
import { COUNTED_RESULT, CountedCommand, CountedCommandHandler } from './counted-command.fixture';

class ProbeCommand extends BaseCommand<{ recording: boolean; traceId: string | undefined }> {}

@CommandHandler(ProbeCommand)
class ProbeHandler implements ICommandHandler<ProbeCommand> {
  async execute() {
    return {
      // Without a context manager nothing is even active; with one, the span would not record.
      recording: trace.getActiveSpan()?.isRecording() ?? false,
      traceId: ObservabilityContext.getTraceId(),
    };
  }
}

// No OpenTelemetry SDK in this file: the API alone, as in an app that never installed one.
describe('tracing without any OpenTelemetry SDK', () => {
  let app: TestingModule;
  let recorder: Recorder;

  beforeAll(async () => {
    app = await createTestApp({
      observability: { metrics: false, logging: false, sentry: false },
      providers: [CountedCommandHandler, ProbeHandler],
    });
    recorder = app.get(Recorder);
  });

  afterAll(() => app.close());

  it('returns the same results and errors, in the same shape', async () => {
    const bus = app.get(CommandBus);
    await expect(bus.execute(new PlaceOrderCommand({ sku: 'S', quantity: 1 }))).resolves.toBe(
      recorder.result,
    );
    expect(() =>
      bus.execute(new PlaceOrderCommand({ sku: 'S', quantity: 1, mode: 'sync-throw' })),
    ).toThrow(recorder.syncError);
    await expect(
      bus.execute(new PlaceOrderCommand({ sku: 'S', quantity: 1, mode: 'reject' })),
    ).rejects.toBe(recorder.asyncError);
    await expect(app.get(QueryBus).execute(new GetOrderQuery({ sku: 'Q' }))).resolves.toEqual({
      sku: 'Q',
    });
    expect(app.get(EventBus).publish(new FailingEvent())).toBeUndefined();
    await flush();
    expect(recorder.calls).toEqual(
      expect.arrayContaining([
        'SendConfirmationHandler',
        'OrderSaga',
        'ReserveStockHandler',
        'FailingEventHandler',
      ]),
    );
  });

  it('records nothing: no recording span and no trace id inside the handler', async () => {
    await expect(app.get(CommandBus).execute(new ProbeCommand())).resolves.toEqual({
      recording: false,
      traceId: undefined,
    });
  });

  it('never reads the payload', async () => {
    const command = new CountedCommand();
    await expect(app.get(CommandBus).execute(command)).resolves.toBe(COUNTED_RESULT);
    expect(command.reads).toBe(0);
  });
});
