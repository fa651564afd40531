import { Injectable } from '@nestjs/common';
import {
  CommandBus,
  EventBus,
  EventsHandler,
  type IEvent,
  type IEventHandler,
  ofType,
  QueryBus,
  Saga,
} from '@nestjs/cqrs';
import { map, type Observable } from 'rxjs';
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
import { isChildOf, spanNamed } from '../tracing/tracing-sdk';

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

/** Published with no handler and no saga: the unhandled-event notice is about it. */
class QuietOrphanEvent extends BaseEvent {}
class LoudOrphanEvent extends BaseEvent {}

/** Dies on its first event: a dead saga follows the saga's policy. */
class DoomEvent extends BaseEvent {}

@Injectable()
class DoomedSaga {
  static readonly error = new Error('doomed saga stream failure');
  @Saga()
  doomed = (events$: Observable<IEvent>): Observable<never> =>
    events$.pipe(
      ofType(DoomEvent),
      map(() => {
        throw DoomedSaga.error;
      }),
    );
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
      [
        ...ORDER_HANDLERS,
        PlainLayeredHandler,
        DecoratedLayeredHandler,
        ConfiguredLayeredHandler,
        DoomedSaga,
      ],
      {
        telemetry: {
          messages: new Map<TelemetryClass | string, TelemetryPolicy>([
            [GetOrderQuery, { tracing: false }],
            [QuietOrphanEvent, { logs: false, metrics: false }],
            [LayeredEvent, { logLevel: 'info' }],
            ['ReserveStockCommand', { metrics: false }],
          ]),
          handlers: {
            OrderSaga: { tracing: false },
            DoomedSaga: { logs: false, metrics: false, sentry: false },
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
    expect(isChildOf(reserve, spanNamed(spans, 'event.dispatch.OrderPlacedEvent'))).toBe(true);

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

  it('notices follow the message they are about: an unhandled event with logs and metrics off', async () => {
    await trackFlow(sinks.app!, () => {
      sinks.app!.get(EventBus).publish(new QuietOrphanEvent());
      sinks.app!.get(EventBus).publish(new LoudOrphanEvent());
    });
    // The guard: the other orphan is logged and counted.
    expect(
      sinks.logs.where({ message_type: 'LoudOrphanEvent', outcome: 'unhandled' }),
    ).toHaveLength(1);
    const text = await sinks.metricsText();
    expect(
      samplesOf(text, 'cqrs_events_unhandled_total', { event_type: 'LoudOrphanEvent' })[0]?.value,
    ).toBe(1);
    expect(sinks.logs.where({ message_type: 'QuietOrphanEvent' })).toEqual([]);
    expect(
      samplesOf(text, 'cqrs_events_unhandled_total', { event_type: 'QuietOrphanEvent' }),
    ).toEqual([]);
  });

  it("a dead saga follows the saga's policy: no line, no series, no Sentry event", async () => {
    const before = await sinks.metricsText();
    // The guard: the other saga's stream-error series exists at zero from bootstrap.
    expect(
      samplesOf(before, 'cqrs_saga_stream_errors_total', { saga: 'OrderSaga' })[0]?.value,
    ).toBe(0);
    expect(before).not.toContain('DoomedSaga');
    sinks.app!.get(EventBus).publish(new DoomEvent());
    await sinks.settle();
    expect(sinks.logs.where({ kind: 'saga' })).toEqual([]);
    expect(sinks.logs.lines.filter((line) => JSON.stringify(line).includes('DoomedSaga'))).toEqual(
      [],
    );
    expect(await sinks.metricsText()).not.toContain('DoomedSaga');
    expect(sinks.transport.events()).toEqual([]);
  });
});
