import { CommandBus, EventBus, EventsHandler, type IEventHandler, QueryBus } from '@nestjs/cqrs';
import {
  BaseEvent,
  CqrsTelemetry,
  type TelemetryClass,
  type TelemetryPolicy,
  trackFlow,
} from '../../lib';
import { AllSinks } from '../e2e/all-sinks.harness';
import {
  FailingEvent,
  GetOrderQuery,
  ORDER_HANDLERS,
  PlaceOrderCommand,
} from '../fixtures/orders.fixture';
import { PinoLevel } from '../logging/memory-log-stream';
import { samplesOf } from '../metrics/prometheus-text';
import { spanNamed } from '../tracing/tracing-sdk';

/** Layer 4 (message decorator): warn, and no payload. */
@CqrsTelemetry({ logLevel: 'warn', payload: false })
class LayeredEvent extends BaseEvent {
  declare readonly note: string;
}

/** Nothing of its own: the message's option (info) over the message's decorator (warn). */
@EventsHandler(LayeredEvent)
class PlainLayeredHandler implements IEventHandler<LayeredEvent> {
  handle(): void {}
}

/** Layer 2 (handler decorator): debug, over the message's option. */
@CqrsTelemetry({ logLevel: 'debug' })
@EventsHandler(LayeredEvent)
class DecoratedLayeredHandler implements IEventHandler<LayeredEvent> {
  handle(): void {}
}

/** Layer 1 (handler option, warn) over its own decorator (debug). */
@CqrsTelemetry({ logLevel: 'debug' })
@EventsHandler(LayeredEvent)
class ConfiguredLayeredHandler implements IEventHandler<LayeredEvent> {
  handle(): void {}
}

/**
 * The `telemetry` module option, by class (a Map) and by class name (an object, as a config
 * file writes it), for messages and handlers — and the order in which the layers win.
 */
describe('telemetry option: policies by class and by name', () => {
  const sinks = new AllSinks();
  let commandBus: CommandBus;

  beforeAll(async () => {
    const app = await sinks.start(
      [...ORDER_HANDLERS, PlainLayeredHandler, DecoratedLayeredHandler, ConfiguredLayeredHandler],
      {
        telemetry: {
          messages: new Map<TelemetryClass | string, TelemetryPolicy>([
            [GetOrderQuery, { tracing: false }],
            [LayeredEvent, { logLevel: 'info' }],
            ['ReserveStockCommand', { metrics: false }],
          ]),
          handlers: {
            OrderSaga: { tracing: false },
            SendConfirmationHandler: { logs: false },
            FailingEventHandler: { sentry: false },
            ConfiguredLayeredHandler: { logLevel: 'warn' },
          },
        },
      },
    );
    commandBus = app.get(CommandBus);
  });
  afterAll(() => sinks.stop());
  beforeEach(() => {
    sinks.logs.clear();
    sinks.transport.clear();
    sinks.resetSpans();
  });

  it('messages by class: no span for GetOrderQuery, its line still written', async () => {
    await expect(
      sinks.app!.get(QueryBus).execute(new GetOrderQuery({ sku: 'Q-1' })),
    ).resolves.toEqual({ sku: 'Q-1' });
    expect(sinks.spans().map((span) => span.name)).not.toContain('cqrs.GetOrderQuery');
    expect(sinks.logs.where({ message_type: 'GetOrderQuery' })).toHaveLength(1);
  });

  it('messages by name and handlers by name, down a command → event → saga → command flow', async () => {
    const before = await sinks.metricsText();
    expect(
      samplesOf(before, 'cqrs_message_total', { message_type: 'PlaceOrderCommand' }),
    ).not.toEqual([]);
    expect(before).not.toContain('ReserveStockCommand');

    const flow = await trackFlow(sinks.app!, () =>
      commandBus.execute(new PlaceOrderCommand({ sku: 'F-1', quantity: 1 })),
    );
    expect(flow.result).toEqual({ ok: true });
    expect(flow.operations.map((entry) => entry.operation)).toContain('saga.run.OrderSaga');

    // ReserveStockCommand (by name): no metrics, spans and lines as usual.
    const after = await sinks.metricsText();
    expect(after).not.toContain('ReserveStockCommand');
    expect(sinks.logs.where({ message_type: 'ReserveStockCommand' })).toHaveLength(1);

    // OrderSaga (a handler, by name): no saga span; the command it emits stays in the trace.
    const spans = sinks.spans();
    expect(spans.map((span) => span.name)).not.toContain('saga.run.OrderSaga');
    const place = spanNamed(spans, 'cqrs.PlaceOrderCommand');
    const reserve = spanNamed(spans, 'cqrs.ReserveStockCommand');
    expect(reserve.spanContext().traceId).toBe(place.spanContext().traceId);

    // SendConfirmationHandler (by name): no line for that handler, the event's span is there.
    expect(sinks.logs.where({ handler: 'SendConfirmationHandler' })).toEqual([]);
    spanNamed(spans, 'event.handler.OrderPlacedEvent.SendConfirmationHandler');
    expect(sinks.logs.where({ message_type: 'PlaceOrderCommand' })[0]!.payload).toMatchObject({
      sku: 'F-1',
    });
  });

  it('handlers: an event handler with sentry off is sent neither by its operation nor by the UnhandledExceptionBus', async () => {
    await trackFlow(sinks.app!, () => sinks.app!.get(EventBus).publish(new FailingEvent()));
    await sinks.settle();
    expect(sinks.transport.events()).toEqual([]);
    expect(sinks.logs.where({ handler: 'FailingEventHandler' })[0]).toMatchObject({
      outcome: 'error',
    });
    // The guard: a failure of a type without the policy is sent.
    await expect(
      commandBus.execute(new PlaceOrderCommand({ sku: 'S', quantity: 1, mode: 'reject' })),
    ).rejects.toBeInstanceOf(Error);
    await sinks.settle();
    expect(sinks.transport.events()).toHaveLength(1);
  });

  it('precedence: handler option > handler decorator > message option > message decorator, field by field', async () => {
    await trackFlow(sinks.app!, () =>
      sinks.app!.get(EventBus).publish(new LayeredEvent({ note: 'layer-note' })),
    );
    const levelOf = (handler: string) => sinks.logs.where({ handler }).map((line) => line.level);
    expect(levelOf('PlainLayeredHandler')).toEqual([PinoLevel.info]);
    expect(levelOf('DecoratedLayeredHandler')).toEqual([PinoLevel.debug]);
    expect(levelOf('ConfiguredLayeredHandler')).toEqual([PinoLevel.warn]);
    // payload: false comes from the message's decorator, the lowest layer, for all three.
    const lines = sinks.logs.where({ message_type: 'LayeredEvent' });
    expect(lines).toHaveLength(3);
    expect(lines.filter((line) => 'payload' in line)).toEqual([]);
    expect(JSON.stringify(sinks.logTexts())).not.toContain('layer-note');
  });
});
