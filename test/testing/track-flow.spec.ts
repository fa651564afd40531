import { Injectable } from '@nestjs/common';
import { CommandBus, EventBus, IEvent, ofType, Saga } from '@nestjs/cqrs';
import type { TestingModule } from '@nestjs/testing';
import { delay, map, Observable } from 'rxjs';
import { BaseEvent, FlowTrackingError, HookRegistry, trackFlow } from '../../lib';
import {
  FailingEvent,
  PlaceOrderCommand,
  Recorder,
  ReserveStockCommand,
  SlowEvent,
  UnknownCommand,
} from '../fixtures/orders.fixture';
import { createTestApp } from '../utils/create-app';

class StockLowEvent extends BaseEvent<{ sku: string }> {}

/** Holds its event 60 ms, longer than trackFlow's default quiet period. */
@Injectable()
class RestockSaga {
  @Saga()
  stockLow = (events$: Observable<IEvent>) =>
    events$.pipe(
      ofType(StockLowEvent),
      delay(60),
      map((event) => new ReserveStockCommand({ sku: event.sku })),
    );
}

describe('trackFlow', () => {
  let app: TestingModule;
  let recorder: Recorder;

  beforeEach(async () => {
    // Logging off only to keep the failures these tests provoke out of the test output.
    app = await createTestApp({ observability: { logging: false }, providers: [RestockSaga] });
    recorder = app.get(Recorder);
  });
  afterEach(() => app.close());

  const place = (sku: string, mode?: PlaceOrderCommand['mode']) =>
    app.get(CommandBus).execute(new PlaceOrderCommand({ sku, quantity: 1, mode }));

  it('resolves once the command, its event, the handler, the saga and its command are done', async () => {
    const flow = await trackFlow(app, () => place('A'));

    // No sleep: the saga's command has been handled when the flow resolves.
    expect(recorder.calls).toEqual(
      expect.arrayContaining([
        'PlaceOrderHandler',
        'SendConfirmationHandler',
        'ReserveStockHandler',
      ]),
    );
    expect(flow.result).toBe(recorder.result);
    expect(flow.failed).toBe(false);
    expect(flow.names().slice(0, 2)).toEqual([
      'command.execute.PlaceOrderCommand',
      'event.dispatch.OrderPlacedEvent',
    ]);
    expect([...flow.names()].sort()).toEqual(
      [
        'command.execute.PlaceOrderCommand',
        'event.dispatch.OrderPlacedEvent',
        'event.handler.OrderPlacedEvent.SendConfirmationHandler',
        'saga.run.OrderSaga',
        'command.execute.ReserveStockCommand',
      ].sort(),
    );
    const [placed] = flow.named('command.execute.PlaceOrderCommand');
    const [published] = flow.named('event.dispatch.');
    const [saga] = flow.named('saga.run.');
    const [reserved] = flow.named('command.execute.ReserveStockCommand');
    expect(placed!.causationId).toBeUndefined();
    expect(published!.causationId).toBe(placed!.messageId);
    expect(saga!.causationId).toBe(published!.messageId);
    expect(reserved!.causationId).toBe(published!.messageId);
    expect(reserved!.message).toBeInstanceOf(ReserveStockCommand);
    for (const op of flow.operations) {
      expect(op.correlationId).toBe(placed!.correlationId);
      expect(op.outcome).toBe('success');
      expect(op.durationMs).toBeGreaterThanOrEqual(0);
      expect(op.startedAtMs).toBeGreaterThanOrEqual(0);
    }
    // The saga step wraps the command it emitted.
    expect(saga!.startedAtMs).toBeLessThanOrEqual(reserved!.startedAtMs);
    expect(saga!.durationMs!).toBeGreaterThanOrEqual(reserved!.durationMs!);
  });

  it('records failures with the very error, and the failing dispatch as the flow’s error', async () => {
    const flow = await trackFlow(app, () => place('A', 'reject'));
    expect(flow.failed).toBe(true);
    expect(flow.error).toBe(recorder.asyncError);
    expect(flow.errors.map((op) => op.operation)).toEqual(['command.execute.PlaceOrderCommand']);
    expect(flow.errors[0]!.error).toBe(recorder.asyncError);

    const published = await trackFlow(app, () => app.get(EventBus).publish(new FailingEvent()));
    const failed = published.named('event.handler.FailingEvent.FailingEventHandler');
    expect(failed).toHaveLength(1);
    expect(failed[0]!.outcome).toBe('error');
    expect(failed[0]!.error).toBe(recorder.eventError);
    expect(published.failed).toBe(false);
  });

  it('keeps a synchronous throw synchronous and every result unchanged', async () => {
    const bus = app.get(CommandBus);
    let untracked: unknown;
    try {
      void bus.execute(new UnknownCommand());
    } catch (error) {
      untracked = error;
    }
    expect(untracked).toBeInstanceOf(Error);

    const flow = await trackFlow(app, () => {
      try {
        void bus.execute(new UnknownCommand());
      } catch (error) {
        return error;
      }
      return 'did not throw';
    });
    expect(flow.result).toBeInstanceOf((untracked as Error).constructor);
    expect(flow.named('command.execute.UnknownCommand')[0]!.outcome).toBe('unhandled');
  });

  it('keeps concurrent flows apart', async () => {
    const [a, b] = await Promise.all([
      trackFlow(app, () => place('A')),
      trackFlow(app, () => place('B')),
    ]);
    const skuOf = (flow: typeof a) =>
      flow
        .named('command.execute.ReserveStockCommand')
        .map((op) => (op.message as ReserveStockCommand).sku);
    expect(skuOf(a)).toEqual(['A']);
    expect(skuOf(b)).toEqual(['B']);
    expect(a.operations.map((op) => op.correlationId)).not.toContain(
      b.operations[0]!.correlationId,
    );
  });

  it('waits for a saga that holds its event longer than quietMs with until()', async () => {
    const flow = await trackFlow(
      app,
      () => app.get(EventBus).publish(new StockLowEvent({ sku: 'S' })),
      { until: (f) => f.named('command.execute.ReserveStockCommand').length > 0 },
    );
    const [reserved] = flow.named('command.execute.ReserveStockCommand');
    expect(reserved!.outcome).toBe('success');
    expect(reserved!.causationId).toBe(flow.named('event.dispatch.StockLowEvent')[0]!.messageId);
    expect(reserved!.startedAtMs).toBeGreaterThanOrEqual(55);
  });

  it('tracks a flow started elsewhere by its correlation id', async () => {
    const tracked = trackFlow(app, () => undefined, {
      correlationId: 'flow-from-outside',
      until: (f) => f.named('command.execute.ReserveStockCommand').length > 0,
    });
    // Dispatched from outside the tracked function, as an HTTP request would be.
    await app
      .get(CommandBus)
      .execute(
        new PlaceOrderCommand({ sku: 'X', quantity: 1, correlationId: 'flow-from-outside' }),
      );
    await app.get(CommandBus).execute(new PlaceOrderCommand({ sku: 'other', quantity: 1 }));
    const flow = await tracked;
    expect(flow.named('command.execute.PlaceOrderCommand')).toHaveLength(1);
    expect(flow.operations.every((op) => op.correlationId === 'flow-from-outside')).toBe(true);
    expect(flow.operations.length).toBe(5);
  });

  it('times out with an error that lists what still runs', async () => {
    const attempt = trackFlow(app, () => app.get(EventBus).publish(new SlowEvent()), {
      timeoutMs: 80,
    });
    await expect(attempt).rejects.toThrow(FlowTrackingError);
    const error = (await attempt.catch((e: unknown) => e)) as FlowTrackingError;
    expect(error.message).toMatch(
      /did not finish within 80ms; still running: event\.handler\.SlowEvent\.SlowEventHandler \(message [0-9a-f-]{36}, running for \d+ms\)/,
    );
    expect(error.running.map((op) => op.operation)).toEqual([
      'event.handler.SlowEvent.SlowEventHandler',
    ]);
    expect(error.operations.map((op) => op.operation)).toContain('event.dispatch.SlowEvent');
    recorder.releaseSlowHandler();
  });

  it('fails a flow that grows past maxOperations', async () => {
    await expect(trackFlow(app, () => place('A'), { maxOperations: 2 })).rejects.toThrow(
      /grew past maxOperations \(2\)/,
    );
  });

  it('registers its hook for the call only', async () => {
    const bare = await createTestApp({
      observability: { logging: false, metrics: false, sentry: false },
    });
    const registry = bare.get(HookRegistry);
    // With metrics, logging and Sentry off no built-in signal listens to unhandled exceptions.
    const notice = 'unhandled_exception.FailingEvent';
    expect(registry.hasHooksFor(notice)).toBe(false);
    let during: boolean | undefined;
    const flow = await trackFlow(bare, () => {
      during = registry.hasHooksFor(notice);
      return bare.get(CommandBus).execute(new PlaceOrderCommand({ sku: 'A', quantity: 1 }));
    });
    expect(flow.operations.length).toBe(5);
    expect(during).toBe(true);
    expect(registry.hasHooksFor(notice)).toBe(false);
    await bare.close();
  });

  it.each<[string, object, RegExp]>([
    ['quietMs', { quietMs: -1 }, /"quietMs" must be a finite number >= 0/],
    ['timeoutMs', { timeoutMs: Number.NaN }, /"timeoutMs" must be a finite number >= 0/],
    ['maxOperations', { maxOperations: 0 }, /"maxOperations" must be an integer >= 1/],
    ['until', { until: true }, /"until" must be a function/],
    ['correlationId', { correlationId: '' }, /"correlationId" must be a non-empty string/],
  ])('rejects a bad %s with a TypeError naming it', (_, options, message) => {
    expect(() => trackFlow(app, () => undefined, options)).toThrow(message);
  });
});
