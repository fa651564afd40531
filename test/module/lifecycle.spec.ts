import { CommandBus, EventBus, QueryBus } from '@nestjs/cqrs';
import type { TestingModule } from '@nestjs/testing';
import { CqrsInstrumentationService } from '../../lib/bus/cqrs-instrumentation.service';
import { isReplacement } from '../../lib/bus/patch-set';
import {
  FailingEvent,
  FailingEventHandler,
  GetOrderQuery,
  OrderSaga,
  PlaceOrderCommand,
  PoisonEvent,
  Recorder,
  SendConfirmationHandler,
  SlowEventHandler,
} from '../fixtures/orders.fixture';
import { ScopedEvent, ScopedEventHandler, SEMANTICS_HANDLERS } from '../fixtures/semantics.fixture';
import { compileTestApp } from '../utils/compile-test-app';
import { createTestApp, flush } from '../utils/create-app';
import { OperationProbe } from '../utils/operation-probe';

const hasOwn = (target: object, key: PropertyKey): boolean =>
  Object.prototype.hasOwnProperty.call(target, key);

/** How many times each operation was seen, notices of bootstrap aside. */
function counts(probe: OperationProbe): Record<string, number> {
  const result: Record<string, number> = {};
  for (const name of probe.names()) {
    if (name !== 'message_registry.register') result[name] = (result[name] ?? 0) + 1;
  }
  return result;
}

describe('module lifecycle', () => {
  const apps: TestingModule[] = [];

  afterEach(async () => {
    for (const app of apps.splice(0)) await app.close();
  });

  describe('shutdown', () => {
    it('puts back the upstream bus methods, event handlers and sagas on app.close()', async () => {
      const app = await compileTestApp();
      const commandBus = app.get(CommandBus);
      const queryBus = app.get(QueryBus);
      const eventBus = app.get(EventBus);
      const handlers = [
        app.get(SendConfirmationHandler),
        app.get(FailingEventHandler),
        app.get(SlowEventHandler),
      ];
      const saga = app.get(OrderSaga);
      const sagaDescriptor = Object.getOwnPropertyDescriptor(saga, 'orderPlaced');
      expect(sagaDescriptor?.value).toEqual(expect.any(Function));

      await app.init();

      // Instrumented: own replacements on the instances, prototypes untouched.
      expect(hasOwn(commandBus, 'execute')).toBe(true);
      expect(commandBus.execute).not.toBe(CommandBus.prototype.execute);
      expect(hasOwn(queryBus, 'execute')).toBe(true);
      expect(hasOwn(eventBus, 'publish')).toBe(true);
      expect(hasOwn(eventBus, 'publishAll')).toBe(true);
      for (const handler of handlers) expect(hasOwn(handler, 'handle')).toBe(true);
      expect(saga.orderPlaced).not.toBe(sagaDescriptor!.value);

      await app.close();

      expect(hasOwn(commandBus, 'execute')).toBe(false);
      expect(commandBus.execute).toBe(CommandBus.prototype.execute);
      expect(hasOwn(queryBus, 'execute')).toBe(false);
      expect(queryBus.execute).toBe(QueryBus.prototype.execute);
      expect(hasOwn(eventBus, 'publish')).toBe(false);
      expect(eventBus.publish).toBe(EventBus.prototype.publish);
      expect(hasOwn(eventBus, 'publishAll')).toBe(false);
      expect(eventBus.publishAll).toBe(EventBus.prototype.publishAll);
      for (const handler of handlers) {
        expect(hasOwn(handler, 'handle')).toBe(false);
        expect(handler.handle).toBe(Object.getPrototypeOf(handler).handle);
      }
      expect(Object.getOwnPropertyDescriptor(saga, 'orderPlaced')).toEqual(sagaDescriptor);
    });

    it('leaves no hook running after close: a bus used later is the bare upstream one', async () => {
      const app = await createTestApp({ providers: [OperationProbe] });
      const probe = app.get(OperationProbe);
      const queryBus = app.get(QueryBus);
      await app.close();
      const before = probe.seen.length;

      await expect(queryBus.execute(new GetOrderQuery({ sku: 'late' }))).resolves.toEqual({
        sku: 'late',
      });

      expect(probe.seen).toHaveLength(before);
    });
  });

  describe('initialising twice', () => {
    async function initialisedTwice(): Promise<{ app: TestingModule; probe: OperationProbe }> {
      const app = await createTestApp({ providers: [OperationProbe] });
      apps.push(app);
      app.get(CqrsInstrumentationService).onModuleInit();
      return { app, probe: app.get(OperationProbe) };
    }

    it('does not wrap the buses, handlers or sagas twice: each operation is seen once', async () => {
      const { app, probe } = await initialisedTwice();

      await app.get(CommandBus).execute(new PlaceOrderCommand({ sku: 's', quantity: 1 }));
      await app.get(QueryBus).execute(new GetOrderQuery({ sku: 'q' }));
      await flush();

      expect(counts(probe)).toEqual({
        'command.execute.PlaceOrderCommand': 1,
        'event.dispatch.OrderPlacedEvent': 1,
        'event.handler.OrderPlacedEvent.SendConfirmationHandler': 1,
        'saga.run.OrderSaga': 1,
        'command.execute.ReserveStockCommand': 1,
        'query.execute.GetOrderQuery': 1,
      });
    });

    it('emits each failure notice once', async () => {
      const { app, probe } = await initialisedTwice();

      app.get(EventBus).publish(new FailingEvent());
      app.get(EventBus).publish(new PoisonEvent());
      await flush();

      expect(probe.named('unhandled_exception.FailingEvent')).toHaveLength(1);
      expect(probe.named('saga.error.OrderSaga')).toHaveLength(1);
      expect(probe.named('event.handler.FailingEvent.FailingEventHandler')).toHaveLength(1);
    });

    it('still restores everything on close', async () => {
      const { app } = await initialisedTwice();
      const commandBus = app.get(CommandBus);
      const handler = app.get(SendConfirmationHandler);

      await apps.splice(0)[0]!.close();

      expect(hasOwn(commandBus, 'execute')).toBe(false);
      expect(hasOwn(handler, 'handle')).toBe(false);
    });
  });

  describe('two applications in one process', () => {
    it('instrument their own buses, each with its own hooks', async () => {
      const first = await createTestApp({ providers: [OperationProbe] });
      const second = await createTestApp({ providers: [OperationProbe] });
      apps.push(first, second);
      const [firstBus, secondBus] = [first.get(CommandBus), second.get(CommandBus)];
      const [firstProbe, secondProbe] = [first.get(OperationProbe), second.get(OperationProbe)];
      expect(firstBus).not.toBe(secondBus);
      expect(hasOwn(firstBus, 'execute')).toBe(true);
      expect(hasOwn(secondBus, 'execute')).toBe(true);

      await firstBus.execute(new PlaceOrderCommand({ sku: 'one', quantity: 1, mode: 'no-event' }));
      await secondBus.execute(new PlaceOrderCommand({ sku: 'two', quantity: 2, mode: 'no-event' }));
      await second.get(QueryBus).execute(new GetOrderQuery({ sku: 'two' }));

      expect(counts(firstProbe)).toEqual({ 'command.execute.PlaceOrderCommand': 1 });
      expect(firstProbe.named('command.')[0]!.attributes.message).toMatchObject({ sku: 'one' });
      expect(counts(secondProbe)).toEqual({
        'command.execute.PlaceOrderCommand': 1,
        'query.execute.GetOrderQuery': 1,
      });
      expect(secondProbe.named('command.')[0]!.attributes.message).toMatchObject({ sku: 'two' });
    });

    it('undo only their own patches on close', async () => {
      const first = await createTestApp({ providers: [OperationProbe] });
      const second = await createTestApp({ providers: [OperationProbe] });
      apps.push(second);

      await first.close();

      expect(hasOwn(first.get(CommandBus), 'execute')).toBe(false);
      expect(hasOwn(second.get(CommandBus), 'execute')).toBe(true);
      expect(CommandBus.prototype.execute).toBe(first.get(CommandBus).execute);
      await second
        .get(CommandBus)
        .execute(new PlaceOrderCommand({ sku: 'still', quantity: 1, mode: 'no-event' }));
      expect(counts(second.get(OperationProbe))).toEqual({
        'command.execute.PlaceOrderCommand': 1,
      });
      expect(counts(first.get(OperationProbe))).toEqual({});
    });

    it('share a request-scoped event handler: each app sees its own, closing one keeps the other', async () => {
      const withScoped = () =>
        createTestApp({ providers: [OperationProbe, ...SEMANTICS_HANDLERS] });
      const first = await withScoped();
      const second = await withScoped();
      apps.push(second);
      const handled = (app: TestingModule) =>
        counts(app.get(OperationProbe))['event.handler.ScopedEvent.ScopedEventHandler'] ?? 0;

      first.get(EventBus).publish(new ScopedEvent('first'));
      second.get(EventBus).publish(new ScopedEvent('second'));
      await flush();
      expect([handled(first), handled(second)]).toEqual([1, 1]);

      await first.close();
      second.get(EventBus).publish(new ScopedEvent('after'));
      await flush();
      expect(handled(second)).toBe(2);
      expect(
        second.get(Recorder).calls.filter((c) => c.startsWith('ScopedEventHandler:')),
      ).toHaveLength(2);

      await second.close();
      apps.length = 0;
      // The last app out restores the class.
      expect(isReplacement(ScopedEventHandler.prototype.handle)).toBe(false);
    });
  });
});
