import { Global, Injectable, Module, OnModuleInit } from '@nestjs/common';
import { CommandBus, EventBus, QueryBus } from '@nestjs/cqrs';
import type { TestingModule } from '@nestjs/testing';
import {
  HookRegistry,
  MessageValidationError,
  type CqrsInterceptor,
  type CqrsOperationContext,
  type HookNext,
  type OperationAttributes,
} from '../../lib';
import {
  FailingEvent,
  GetOrderQuery,
  OrderPlacedEvent,
  PlaceOrderCommand,
  PoisonEvent,
  Recorder,
  ReserveStockCommand,
} from '../fixtures/orders.fixture';
import { createTestApp, flush, type TestAppOptions } from '../utils/create-app';
import { OperationProbe } from '../utils/operation-probe';

/**
 * The attributes under their string keys: what hooks are documented to read. Built-in signals
 * may keep per-operation state under symbol keys, which is not part of the contract.
 */
function named(attributes: OperationAttributes): Record<string, unknown> {
  return Object.fromEntries(Object.entries(attributes));
}

/** A service an interceptor injects, to prove DI resolved it. */
@Injectable()
class AuditLog {
  readonly entries: string[] = [];
  record(entry: string): void {
    this.entries.push(entry);
  }
}

@Injectable()
class AuditInterceptor implements CqrsInterceptor {
  constructor(private readonly audit: AuditLog) {}

  async intercept(context: CqrsOperationContext, next: HookNext): Promise<unknown> {
    this.audit.record(`audit ${context.operation}`);
    return next();
  }
}

@Injectable()
class PrioritisedAuditInterceptor implements CqrsInterceptor {
  readonly priority = 5;
  constructor(private readonly audit: AuditLog) {}

  async intercept(context: CqrsOperationContext, next: HookNext): Promise<unknown> {
    this.audit.record(`interceptor(5) ${context.operation}`);
    return next();
  }
}

@Injectable()
class QueryOnlyInterceptor implements CqrsInterceptor {
  readonly operations = ['query.execute.*'];
  constructor(private readonly audit: AuditLog) {}

  intercept(context: CqrsOperationContext, next: HookNext): Promise<unknown> {
    this.audit.record(`query-only ${context.operation}`);
    return next();
  }
}

/** Declared outside the built-in validation (-1000): it sees messages validation rejects. */
@Injectable()
class OutermostInterceptor implements CqrsInterceptor {
  readonly priority = -2000;
  readonly operations = ['command.execute.*'];
  constructor(private readonly audit: AuditLog) {}

  intercept(context: CqrsOperationContext, next: HookNext): Promise<unknown> {
    this.audit.record(`outermost ${context.operation}`);
    return next();
  }
}

@Global()
@Module({ providers: [AuditLog], exports: [AuditLog] })
class GlobalAuditModule {}

/** Plain hooks around the interceptors, registered before bootstrap. */
@Injectable()
class HookLadder implements OnModuleInit {
  constructor(
    private readonly registry: HookRegistry,
    private readonly audit: AuditLog,
  ) {}

  onModuleInit(): void {
    for (const priority of [10, -10, 0]) {
      this.registry.register(
        (operation, _attributes, next) => {
          this.audit.record(`hook(${priority}) ${operation}`);
          return next();
        },
        { priority, operations: ['command.execute.*'] },
      );
    }
  }
}

describe('operations emitted through the real CqrsModule', () => {
  let app: TestingModule | undefined;

  async function start(options: TestAppOptions): Promise<TestingModule> {
    app = await createTestApp(options);
    return app;
  }

  afterEach(async () => {
    await app?.close();
    app = undefined;
  });

  describe('notices', () => {
    it('emits message_registry.register at bootstrap for each handler and saga', async () => {
      const probe = (await start({ providers: [OperationProbe] })).get(OperationProbe);

      const registrations = probe
        .named('message_registry.register')
        .map((entry) => {
          expect(entry.operation).toBe('message_registry.register');
          return named(entry.attributes);
        })
        .sort((a, b) =>
          `${a.kind}${a.message_type}${a.handler}`.localeCompare(
            `${b.kind}${b.message_type}${b.handler}`,
          ),
        );

      const expected = [
        ['command', 'PlaceOrderCommand', 'PlaceOrderHandler'],
        ['command', 'PlainCommand', 'PlainCommandHandler'],
        ['command', 'ReserveStockCommand', 'ReserveStockHandler'],
        ['command', 'ScopedCommand', 'ScopedCommandHandler'],
        ['event', 'FailingEvent', 'FailingEventHandler'],
        ['event', 'OrderPlacedEvent', 'SendConfirmationHandler'],
        ['event', 'SlowEvent', 'SlowEventHandler'],
        ['query', 'GetOrderQuery', 'GetOrderHandler'],
        ['saga', 'OrderSaga', 'OrderSaga'],
      ].map(([kind, messageType, handler]) => ({
        kind,
        message_type: messageType,
        handler,
        name: messageType,
        class_name: handler,
      }));
      expect(registrations).toEqual(expected);
    });

    it('emits unhandled_exception.FailingEvent with the very error when an event handler fails', async () => {
      const moduleRef = await start({ providers: [OperationProbe] });
      const probe = moduleRef.get(OperationProbe);
      const recorder = moduleRef.get(Recorder);
      const event = new FailingEvent();

      moduleRef.get(EventBus).publish(event);
      await flush();

      expect(recorder.calls).toEqual(['FailingEventHandler']);
      const notices = probe.named('unhandled_exception.');
      expect(notices.map((entry) => entry.operation)).toEqual(['unhandled_exception.FailingEvent']);
      const attributes = notices[0]!.attributes;
      expect(named(attributes)).toEqual({
        kind: 'event',
        message_type: 'FailingEvent',
        message: event,
        cause_type: 'FailingEvent',
        error: recorder.eventError,
      });
      expect(attributes.message).toBe(event);
      expect(attributes.error).toBe(recorder.eventError);
    });

    it('emits saga.error.OrderSaga with the very error when PoisonEvent kills the saga', async () => {
      const moduleRef = await start({ providers: [OperationProbe] });
      const probe = moduleRef.get(OperationProbe);
      const recorder = moduleRef.get(Recorder);

      moduleRef.get(EventBus).publish(new PoisonEvent());
      await flush();

      const errors = probe.named('saga.error.');
      expect(errors.map((entry) => entry.operation)).toEqual(['saga.error.OrderSaga']);
      expect(named(errors[0]!.attributes)).toEqual({
        kind: 'saga',
        message_type: 'OrderSaga',
        handler: 'OrderSaga',
        'saga.type': 'OrderSaga',
        error: recorder.sagaError,
      });
      expect(errors[0]!.attributes.error).toBe(recorder.sagaError);

      // The saga stays dead, as upstream: its next event runs no saga.
      moduleRef.get(EventBus).publish(new OrderPlacedEvent({ sku: 'after-poison' }));
      await flush();
      expect(probe.named('saga.run.')).toEqual([]);
      expect(recorder.calls).toEqual(['SendConfirmationHandler']);
    });
  });

  describe('message operations', () => {
    it('emits event.dispatch for each event of publishAll, in order, each with its own attributes', async () => {
      const moduleRef = await start({ providers: [OperationProbe] });
      const probe = moduleRef.get(OperationProbe);
      const first = new OrderPlacedEvent({ sku: 'a' });
      const second = new OrderPlacedEvent({ sku: 'b' });

      moduleRef.get(EventBus).publishAll([first, second]);
      await flush();

      const dispatches = probe.named('event.dispatch.');
      expect(dispatches.map((entry) => entry.operation)).toEqual([
        'event.dispatch.OrderPlacedEvent',
        'event.dispatch.OrderPlacedEvent',
      ]);
      dispatches.forEach(({ attributes }, index) => {
        const event = [first, second][index]!;
        expect(attributes.message).toBe(event);
        expect(attributes).toMatchObject({
          kind: 'event',
          message_type: 'OrderPlacedEvent',
          message_id: event.eventId,
          'event.type': 'OrderPlacedEvent',
          'event.id': event.eventId,
        });
        expect(typeof attributes.correlation_id).toBe('string');
      });
      const handled = probe
        .named('event.handler.')
        .map((entry) => [entry.operation, entry.attributes.message]);
      expect(handled).toEqual([
        ['event.handler.OrderPlacedEvent.SendConfirmationHandler', first],
        ['event.handler.OrderPlacedEvent.SendConfirmationHandler', second],
      ]);
    });

    it('emits the operations of a whole flow with their attributes', async () => {
      const moduleRef = await start({ providers: [OperationProbe] });
      const probe = moduleRef.get(OperationProbe);
      const command = new PlaceOrderCommand({ sku: 'sku-1', quantity: 2 });

      await moduleRef.get(CommandBus).execute(command);
      await flush();

      const flow = probe.seen.filter((entry) => entry.operation !== 'message_registry.register');
      expect(flow.map((entry) => entry.operation).sort()).toEqual(
        [
          'command.execute.PlaceOrderCommand',
          'command.execute.ReserveStockCommand',
          'event.dispatch.OrderPlacedEvent',
          'event.handler.OrderPlacedEvent.SendConfirmationHandler',
          'saga.run.OrderSaga',
        ].sort(),
      );
      const byName = new Map(flow.map((entry) => [entry.operation, entry.attributes]));
      const correlationId = byName.get('command.execute.PlaceOrderCommand')!.correlation_id;
      expect(named(byName.get('command.execute.PlaceOrderCommand')!)).toEqual({
        kind: 'command',
        message_type: 'PlaceOrderCommand',
        message: command,
        message_id: command.requestId,
        correlation_id: correlationId,
        causation_id: undefined,
        handler: 'PlaceOrderHandler',
        'command.type': 'PlaceOrderCommand',
      });
      const event = byName.get('event.dispatch.OrderPlacedEvent')!;
      expect(event).toMatchObject({
        correlation_id: correlationId,
        causation_id: command.requestId,
      });
      expect(byName.get('event.handler.OrderPlacedEvent.SendConfirmationHandler')).toMatchObject({
        kind: 'event',
        message_type: 'OrderPlacedEvent',
        handler: 'SendConfirmationHandler',
        'handler.type': 'SendConfirmationHandler',
        message: event.message,
      });
      const saga = byName.get('saga.run.OrderSaga')!;
      expect(saga).toMatchObject({
        kind: 'saga',
        message_type: 'OrderSaga',
        handler: 'OrderSaga',
        'saga.type': 'OrderSaga',
        'event.type': 'OrderPlacedEvent',
        'command.type': 'ReserveStockCommand',
        correlation_id: correlationId,
        causation_id: event.message_id,
      });
      expect(saga.message).toBeInstanceOf(ReserveStockCommand);
      expect(byName.get('command.execute.ReserveStockCommand')!.message).toBe(saga.message);
    });

    it('emits query.execute with the query attributes', async () => {
      const moduleRef = await start({ providers: [OperationProbe] });
      const probe = moduleRef.get(OperationProbe);
      const query = new GetOrderQuery({ sku: 'q' });

      await expect(moduleRef.get(QueryBus).execute(query)).resolves.toEqual({ sku: 'q' });

      const [entry] = probe.named('query.execute.');
      expect(entry!.operation).toBe('query.execute.GetOrderQuery');
      expect(entry!.attributes).toMatchObject({
        kind: 'query',
        message_type: 'GetOrderQuery',
        message_id: query.requestId,
        handler: 'GetOrderHandler',
        'query.type': 'GetOrderQuery',
      });
    });
  });

  describe('hooks around a real bus', () => {
    it('short-circuits: a caching hook answers the query and the handler is not called', async () => {
      const cached = { sku: 'from-cache' };
      @Injectable()
      class QueryCache implements OnModuleInit {
        constructor(private readonly registry: HookRegistry) {}
        onModuleInit(): void {
          this.registry.register(async () => cached, {
            operations: ['query.execute.GetOrderQuery'],
          });
        }
      }
      const moduleRef = await start({ providers: [QueryCache] });

      await expect(moduleRef.get(QueryBus).execute(new GetOrderQuery({ sku: 'x' }))).resolves.toBe(
        cached,
      );
      expect(moduleRef.get(Recorder).calls).toEqual([]);
    });

    it('propagates the error a rate-limiting hook throws; the handler is not called', async () => {
      const limited = new Error('too many orders');
      @Injectable()
      class RateLimiter implements OnModuleInit {
        constructor(private readonly registry: HookRegistry) {}
        onModuleInit(): void {
          this.registry.register(
            async () => {
              throw limited;
            },
            { operations: ['command.execute.PlaceOrderCommand'] },
          );
        }
      }
      const moduleRef = await start({ providers: [RateLimiter] });

      await expect(
        moduleRef.get(CommandBus).execute(new PlaceOrderCommand({ sku: 's', quantity: 1 })),
      ).rejects.toBe(limited);
      expect(moduleRef.get(Recorder).calls).toEqual([]);
    });
  });

  describe('interceptors option', () => {
    it('resolves an interceptor class through DI and uses its injected dependency', async () => {
      const moduleRef = await start({
        observability: { interceptors: [AuditInterceptor] },
        providers: [AuditLog, AuditInterceptor],
      });

      const result = await moduleRef
        .get(CommandBus)
        .execute(new PlaceOrderCommand({ sku: 's', quantity: 1 }));
      await flush();

      expect(result).toBe(moduleRef.get(Recorder).result);
      const entries = moduleRef.get(AuditLog).entries;
      expect(entries).toEqual(
        expect.arrayContaining([
          'audit command.execute.PlaceOrderCommand',
          'audit event.dispatch.OrderPlacedEvent',
          'audit event.handler.OrderPlacedEvent.SendConfirmationHandler',
          'audit saga.run.OrderSaga',
          'audit command.execute.ReserveStockCommand',
        ]),
      );
      // The default operations are the message operations only: no notices.
      expect(entries).toHaveLength(5);
      expect(entries.some((entry) => entry.includes('message_registry'))).toBe(false);
    });

    it('builds an interceptor that is not a provider, injecting its dependencies', async () => {
      const moduleRef = await start({
        observability: { interceptors: [AuditInterceptor] },
        imports: [GlobalAuditModule],
      });

      await moduleRef.get(QueryBus).execute(new GetOrderQuery({ sku: 'q' }));

      expect(moduleRef.get(AuditLog).entries).toEqual(['audit query.execute.GetOrderQuery']);
    });

    it('fails startup with an actionable error when it cannot reach the dependencies', async () => {
      // AuditLog is a provider of the application module only, and the interceptor is not a
      // provider anywhere: the module cannot see what to inject.
      const failure = createTestApp({
        observability: { interceptors: [AuditInterceptor] },
        providers: [AuditLog],
      });

      await expect(failure).rejects.toThrow(
        /cannot build interceptor AuditInterceptor[\s\S]*List AuditInterceptor in the providers/,
      );
    });

    it('fails startup when a listed class has no intercept() method', async () => {
      @Injectable()
      class NotAnInterceptor {}

      await expect(
        createTestApp({
          observability: { interceptors: [NotAnInterceptor as never] },
        }),
      ).rejects.toThrow(/interceptor NotAnInterceptor has no intercept\(context, next\) method/);
    });

    it('runs interceptors in the same chain as hooks, at the priority they declare', async () => {
      const moduleRef = await start({
        observability: { interceptors: [PrioritisedAuditInterceptor] },
        providers: [AuditLog, HookLadder, PrioritisedAuditInterceptor],
      });

      await moduleRef
        .get(CommandBus)
        .execute(new PlaceOrderCommand({ sku: 's', quantity: 1, mode: 'no-event' }));

      expect(moduleRef.get(AuditLog).entries).toEqual([
        'hook(-10) command.execute.PlaceOrderCommand',
        'hook(0) command.execute.PlaceOrderCommand',
        'interceptor(5) command.execute.PlaceOrderCommand',
        'hook(10) command.execute.PlaceOrderCommand',
      ]);
    });

    it('places interceptors around the built-in signals by priority', async () => {
      const moduleRef = await start({
        observability: { interceptors: [OutermostInterceptor, AuditInterceptor] },
        providers: [AuditLog, OutermostInterceptor, AuditInterceptor],
      });
      const invalid = new PlaceOrderCommand({ sku: 's', quantity: 0 });

      await expect(moduleRef.get(CommandBus).execute(invalid)).rejects.toBeInstanceOf(
        MessageValidationError,
      );

      // Validation (-1000) rejected inside the outermost one and before the default-priority one.
      expect(moduleRef.get(AuditLog).entries).toEqual([
        'outermost command.execute.PlaceOrderCommand',
      ]);
      expect(moduleRef.get(Recorder).calls).toEqual([]);
    });

    it('runs an interceptor only on the operations it declares', async () => {
      const moduleRef = await start({
        observability: { interceptors: [QueryOnlyInterceptor] },
        providers: [AuditLog, QueryOnlyInterceptor],
      });

      await moduleRef.get(CommandBus).execute(new PlaceOrderCommand({ sku: 's', quantity: 1 }));
      await moduleRef.get(QueryBus).execute(new GetOrderQuery({ sku: 'q' }));
      await flush();

      expect(moduleRef.get(AuditLog).entries).toEqual(['query-only query.execute.GetOrderQuery']);
    });

    it('accepts an interceptor instance object with its operations and priority', async () => {
      const seen: string[] = [];
      const instance: CqrsInterceptor = {
        operations: ['command.execute.*'],
        priority: -1,
        intercept: async (context, next) => {
          seen.push(`before ${context.operation}`);
          const result = await next();
          seen.push(`after ${context.operation}`);
          return result;
        },
      };
      const moduleRef = await start({ observability: { interceptors: [instance] } });

      const result = await moduleRef
        .get(CommandBus)
        .execute(new PlaceOrderCommand({ sku: 's', quantity: 1, mode: 'no-event' }));

      expect(result).toBe(moduleRef.get(Recorder).result);
      expect(seen).toEqual([
        'before command.execute.PlaceOrderCommand',
        'after command.execute.PlaceOrderCommand',
      ]);
      await moduleRef.get(QueryBus).execute(new GetOrderQuery({ sku: 'q' }));
      expect(seen).toHaveLength(2);
    });
  });
});
