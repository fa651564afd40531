import type { TestingModule } from '@nestjs/testing';
import {
  AsyncContext,
  CommandBus,
  CommandHandlerNotFoundException,
  EventBus,
  QueryBus,
  QueryHandlerNotFoundException,
  UnhandledExceptionBus,
} from '@nestjs/cqrs';
import { HookRegistry, type CqrsObservabilityModuleOptions } from '../../lib';
import {
  FailingEvent,
  GetOrderQuery,
  OrderPlacedEvent,
  PlaceOrderCommand,
  PoisonEvent,
  Recorder,
  ScopedCommand,
  SlowEvent,
  UnknownCommand,
} from '../fixtures/orders.fixture';
import { createTestApp, flush } from '../utils/create-app';

interface Setup {
  name: string;
  observability: CqrsObservabilityModuleOptions | false;
  /** An async user hook on every operation: the hardest case for keeping upstream shapes. */
  userHook: boolean;
}

const SETUPS: Setup[] = [
  { name: 'bare @nestjs/cqrs', observability: false, userHook: false },
  { name: 'wrapped, defaults', observability: {}, userHook: false },
  { name: 'wrapped, async user hook on *', observability: {}, userHook: true },
  {
    name: 'wrapped, every signal off',
    observability: {
      correlation: false,
      validation: false,
      tracing: false,
      metrics: false,
      logging: false,
      sentry: false,
    },
    userHook: false,
  },
];

/** Each scenario runs on a bare app and on wrapped apps; every assertion must hold for all. */
describe.each(SETUPS)('upstream semantics: $name', ({ observability, userHook }) => {
  let app: TestingModule;
  let commandBus: CommandBus;
  let queryBus: QueryBus;
  let eventBus: EventBus;
  let recorder: Recorder;
  let unhandled: Array<{ cause: unknown; exception: unknown }>;

  beforeEach(async () => {
    app = await createTestApp({ observability });
    commandBus = app.get(CommandBus);
    queryBus = app.get(QueryBus);
    eventBus = app.get(EventBus);
    recorder = app.get(Recorder);
    unhandled = [];
    app.get(UnhandledExceptionBus).subscribe((info) => unhandled.push(info));
    if (userHook) {
      app.get(HookRegistry).register(async (_operation, _attributes, next) => {
        try {
          return await next();
        } finally {
          await Promise.resolve();
        }
      });
    }
  });

  afterEach(async () => {
    await app.close();
  });

  it('returns the handler result object itself', async () => {
    const result = await commandBus.execute(new PlaceOrderCommand({ sku: 'A', quantity: 1 }));
    expect(result).toBe(recorder.result);
  });

  it('throws synchronously for an unknown command', () => {
    expect(() => commandBus.execute(new UnknownCommand())).toThrow(CommandHandlerNotFoundException);
  });

  it('throws synchronously for a message that is not a class instance', () => {
    expect(() => commandBus.execute({} as never)).toThrow(CommandHandlerNotFoundException);
  });

  it('throws the very same error synchronously when the handler throws synchronously', () => {
    let thrown: unknown;
    try {
      void commandBus.execute(new PlaceOrderCommand({ sku: 'A', quantity: 1, mode: 'sync-throw' }));
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBe(recorder.syncError);
  });

  it('rejects with the very same error when the handler rejects', async () => {
    await expect(
      commandBus.execute(new PlaceOrderCommand({ sku: 'A', quantity: 1, mode: 'reject' })),
    ).rejects.toBe(recorder.asyncError);
  });

  it('rejects for an unknown query (QueryBus.execute is async upstream)', async () => {
    const pending = queryBus.execute(new UnknownCommand() as never);
    expect(pending).toBeInstanceOf(Promise);
    await expect(pending).rejects.toBeInstanceOf(QueryHandlerNotFoundException);
  });

  it('answers a query', async () => {
    await expect(queryBus.execute(new GetOrderQuery({ sku: 'Q' }))).resolves.toEqual({ sku: 'Q' });
  });

  it('keeps publish fire-and-forget: it returns before a slow handler finishes', async () => {
    const returned = eventBus.publish(new SlowEvent({}));
    expect(returned).toBeUndefined();
    await flush();
    expect(recorder.calls).not.toContain('SlowEventHandler');
    recorder.releaseSlowHandler();
    await flush();
    expect(recorder.calls).toContain('SlowEventHandler');
  });

  it('sends an event handler error to UnhandledExceptionBus, the same objects', async () => {
    const event = new FailingEvent({});
    eventBus.publish(event);
    await flush();
    expect(unhandled).toHaveLength(1);
    expect(unhandled[0]!.cause).toBe(event);
    expect(unhandled[0]!.exception).toBe(recorder.eventError);
  });

  it('runs every handler and saga of publishAll', async () => {
    const returned = eventBus.publishAll([
      new OrderPlacedEvent({ sku: 'X' }),
      new OrderPlacedEvent({ sku: 'Y' }),
    ]);
    expect(returned).toEqual([undefined, undefined]);
    await flush();
    expect(recorder.calls.filter((c) => c === 'SendConfirmationHandler')).toHaveLength(2);
    expect(recorder.calls.filter((c) => c === 'ReserveStockHandler')).toHaveLength(2);
  });

  it('lets a saga die on its first stream error, reported to UnhandledExceptionBus', async () => {
    eventBus.publish(new OrderPlacedEvent({ sku: 'before' }));
    await flush();
    eventBus.publish(new PoisonEvent({}));
    await flush();
    eventBus.publish(new OrderPlacedEvent({ sku: 'after' }));
    await flush();
    expect(recorder.calls.filter((c) => c === 'ReserveStockHandler')).toHaveLength(1);
    const sagaFailure = unhandled.find((u) => u.exception === recorder.sagaError);
    expect(sagaFailure?.cause).toBe('orderPlaced');
  });

  it('resolves request-scoped handlers per AsyncContext', async () => {
    const context = new AsyncContext();
    const first = await commandBus.execute(new ScopedCommand({}), context);
    const second = await commandBus.execute(new ScopedCommand({}));
    expect(first.context).toBe(context);
    expect(second.context).toBeInstanceOf(AsyncContext);
    expect(second.context).not.toBe(context);
    expect(second.instance).not.toBe(first.instance);
  });

  it('handles a frozen message', async () => {
    const command = Object.freeze(
      new PlaceOrderCommand({ sku: 'F', quantity: 1, mode: 'no-event' }),
    );
    await expect(commandBus.execute(command)).resolves.toBe(recorder.result);
  });
});

describe('a hook that awaits before calling next()', () => {
  // The handler then starts after the bus call returned, so there is nothing left to throw
  // synchronously: the caller gets a rejection with the same error instead (documented).
  it('turns a synchronous handler throw into a rejection with the same error', async () => {
    const app = await createTestApp();
    app.get(HookRegistry).register(async (_operation, _attributes, next) => {
      await Promise.resolve();
      return next();
    });
    const recorder = app.get(Recorder);
    const pending = app
      .get(CommandBus)
      .execute(new PlaceOrderCommand({ sku: 'A', quantity: 1, mode: 'sync-throw' }));
    await expect(pending).rejects.toBe(recorder.syncError);
    await app.close();
  });
});

describe('bad input that upstream turns into a process crash', () => {
  // Upstream, publish(undefined) reaches the handlers' filters, which throw out of band and
  // end the process; the wrapped bus refuses it synchronously with an error naming it.
  it.each([undefined, null])(
    'publish(%s) throws a clear TypeError and the app keeps working',
    async (event) => {
      const app = await createTestApp();
      const eventBus = app.get(EventBus);
      expect(() => eventBus.publish(event as never)).toThrow(
        /EventBus.publish\(event\): event must be an event object/,
      );
      expect(() => eventBus.publishAll([event as never])).toThrow(TypeError);
      eventBus.publish(new OrderPlacedEvent({ sku: 'still-works' }));
      await flush();
      expect(app.get(Recorder).calls).toContain('SendConfirmationHandler');
      await app.close();
    },
  );
});
