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
import * as Sentry from '@sentry/nestjs';
import { Registry } from 'prom-client';
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
import {
  AwaitedEvent,
  BatchingPublisherInstaller,
  ForeignThenableCommand,
  HAS_EVENT_OPERATORS,
  HostileIdsCommand,
  HostileIdsEvent,
  NestAsyncCommand,
  NestSyncCommand,
  ScopedEvent,
  SEMANTICS_HANDLERS,
  SynchronousPublisherInstaller,
  THEN_GETTER_ERROR,
  ThrowingThenGetterCommand,
  throwingThenValue,
  UnrulyThenableCommand,
} from '../fixtures/semantics.fixture';
import { RecordingTransport, sentryTestOptions } from '../sentry/recording-transport';
import { startTracingSdk, type TracingSdk } from '../tracing/tracing-sdk';
import { createTestApp, flush } from '../utils/create-app';
import { EVERY_SIGNAL_OFF } from '../utils/every-signal-off';

interface Setup {
  name: string;
  /** `undefined`: `CqrsObservabilityModule.forRoot()`, as the README writes it. */
  observability: () => CqrsObservabilityModuleOptions | false | undefined;
  /**
   * An async user hook on every operation that awaits after `next()`, and before it on
   * `event.*` operations: the hardest case for keeping upstream's shapes.
   */
  userHook: boolean;
  /** Real sinks for every signal: an OpenTelemetry SDK, a prom-client registry, Sentry. */
  sinks: boolean;
}

const SETUPS: Setup[] = [
  { name: 'bare @nestjs/cqrs', observability: () => false, userHook: false, sinks: false },
  { name: 'wrapped, defaults', observability: () => undefined, userHook: false, sinks: false },
  {
    name: 'wrapped, every signal on real sinks',
    observability: () => ({
      tracing: { payload: true },
      metrics: { registry: new Registry() },
    }),
    userHook: false,
    sinks: true,
  },
  {
    name: 'wrapped, async user hook',
    observability: () => undefined,
    userHook: true,
    sinks: false,
  },
  {
    name: 'wrapped, every signal off',
    observability: () => EVERY_SIGNAL_OFF,
    userHook: false,
    sinks: false,
  },
  {
    // The hook is the whole chain: operations run without a frame (lone-hook.ts).
    name: 'wrapped, every signal off, async user hook',
    observability: () => EVERY_SIGNAL_OFF,
    userHook: true,
    sinks: false,
  },
];

const WRAPPED_SETUPS = SETUPS.filter((setup) => setup.name !== 'bare @nestjs/cqrs');

/** How a call ended: returned (then awaited), threw synchronously, or rejected. */
interface Settled {
  threwSynchronously: boolean;
  value?: unknown;
  error?: unknown;
}

async function settle(call: () => unknown): Promise<Settled> {
  let returned: unknown;
  try {
    returned = call();
  } catch (error) {
    return { threwSynchronously: true, error };
  }
  try {
    return { threwSynchronously: false, value: await returned };
  } catch (error) {
    return { threwSynchronously: false, error };
  }
}

function registerAsyncUserHook(app: TestingModule): void {
  app.get(HookRegistry).register(async (operation, _attributes, next) => {
    if (operation.startsWith('event.')) await Promise.resolve();
    try {
      return await next();
    } finally {
      await Promise.resolve();
    }
  });
}

/** Each scenario runs on a bare app and on wrapped apps; every assertion must hold for all. */
describe.each(SETUPS)('upstream semantics: $name', ({ observability, userHook, sinks }) => {
  let app: TestingModule;
  let sdk: TracingSdk | undefined;
  const transport = new RecordingTransport();

  beforeAll(() => {
    if (!sinks) return;
    sdk = startTracingSdk();
    Sentry.init({ ...sentryTestOptions(transport), skipOpenTelemetrySetup: true });
  });

  afterAll(async () => {
    if (!sinks) return;
    await Sentry.close(2000);
    await sdk?.shutdown();
  });

  /** A second app of the same setup, with extra providers (a publisher installer). */
  async function appWith(providers: unknown[]): Promise<TestingModule> {
    const other = await createTestApp({
      observability: observability(),
      providers: [...SEMANTICS_HANDLERS, ...(providers as never[])],
    });
    if (userHook) registerAsyncUserHook(other);
    return other;
  }
  let commandBus: CommandBus;
  let queryBus: QueryBus;
  let eventBus: EventBus;
  let recorder: Recorder;
  let unhandled: Array<{ cause: unknown; exception: unknown }>;

  beforeEach(async () => {
    app = await createTestApp({ observability: observability(), providers: SEMANTICS_HANDLERS });
    commandBus = app.get(CommandBus);
    queryBus = app.get(QueryBus);
    eventBus = app.get(EventBus);
    recorder = app.get(Recorder);
    unhandled = [];
    app.get(UnhandledExceptionBus).subscribe((info) => unhandled.push(info));
    if (userHook) registerAsyncUserHook(app);
  });

  afterEach(async () => {
    await app.close();
  });

  it('returns the handler result object itself', async () => {
    const result = await commandBus.execute(new PlaceOrderCommand({ sku: 'A', quantity: 1 }));
    expect(result).toBe(recorder.result);
  });

  it('ends nesting past the stack as upstream does, and goes on working', async () => {
    const overflow = (settled: Settled) => {
      expect((settled.error as Error | undefined)?.name).toBe('RangeError');
      expect((settled.error as Error).message).toMatch(/call stack/);
    };
    // A synchronous handler dispatching the next: the RangeError is thrown, as upstream throws.
    // Under an async user hook it is whatever the hook makes of it: where the stack runs out
    // inside the hook's own body (calling next(), say), its promise rejects with it.
    const sync = await settle(() => commandBus.execute(new NestSyncCommand(1)));
    if (!userHook) expect(sync.threwSynchronously).toBe(true);
    overflow(sync);
    // An async one (as most are written): the handler's promise rejects with it.
    const nested = await settle(() => commandBus.execute(new NestAsyncCommand(1)));
    expect(nested.threwSynchronously).toBe(false);
    overflow(nested);
    await flush();
    // Signals that ran out of stack with the operation broke nothing: the next dispatch works.
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
    const returned: unknown = eventBus.publish(new SlowEvent({}));
    expect(await returned).toBeUndefined();
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
    const returned: unknown = eventBus.publishAll([
      new OrderPlacedEvent({ sku: 'X' }),
      new OrderPlacedEvent({ sku: 'Y' }),
    ]);
    expect(await returned).toEqual([undefined, undefined]);
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
    new ScopedCommand({}); // the class's first instance: the ones after it are frozen
    const context = new AsyncContext();
    const command = new ScopedCommand({});
    expect(Object.isFrozen(command)).toBe(true);
    const first = await commandBus.execute(command, context);
    const second = await commandBus.execute(new ScopedCommand({}));
    expect(AsyncContext.of(command)).toBe(context);
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

  it('gives what a foreign thenable resolves with (42)', async () => {
    await expect(commandBus.execute(new ForeignThenableCommand())).resolves.toBe(42);
  });

  it('settles a thenable that resolves twice and then rejects once, with its first value', async () => {
    const outcome = await settle(() => commandBus.execute(new UnrulyThenableCommand()));
    expect(outcome).toEqual({ threwSynchronously: false, value: 1 });
  });

  it('hands back a value whose then getter throws; awaiting it gives that error', async () => {
    let returned: unknown;
    expect(() => (returned = commandBus.execute(new ThrowingThenGetterCommand()))).not.toThrow();
    const outcome = await settle(() => returned);
    expect(outcome).toEqual({ threwSynchronously: false, error: THEN_GETTER_ERROR });
    expect(throwingThenValue).toBeDefined();
  });

  it('runs a command whose requestId and correlationId getters throw', async () => {
    await expect(commandBus.execute(new HostileIdsCommand())).resolves.toBe('handled');
    expect(recorder.calls).toEqual(['HostileIdsHandler']);
  });

  it('publishes an event whose eventId and correlationId getters throw', async () => {
    const outcome = await settle(() => eventBus.publish(new HostileIdsEvent()));
    expect(outcome).toEqual({ threwSynchronously: false, value: undefined });
    await flush();
    expect(recorder.calls).toEqual(['HostileIdsEventHandler']);
  });

  it('resolves a request-scoped event handler per AsyncContext', async () => {
    const context = new AsyncContext();
    eventBus.publish(new ScopedEvent('a'), context);
    eventBus.publish(new ScopedEvent('b'), context);
    eventBus.publish(new ScopedEvent('c'));
    await flush();
    const calls = recorder.calls.filter((call) => call.startsWith('ScopedEventHandler:'));
    const instanceOf = (label: string) =>
      calls.find((call) => call.split(':')[1] === label)?.split(':')[2];
    expect(calls).toHaveLength(3);
    expect(instanceOf('a')).toBeDefined();
    expect(instanceOf('b')).toBe(instanceOf('a'));
    expect(instanceOf('c')).not.toBe(instanceOf('a'));
  });

  describe('with a batching publisher whose publish and publishAll answer promises', () => {
    let batching: TestingModule;
    let installer: BatchingPublisherInstaller;

    beforeEach(async () => {
      batching = await appWith([BatchingPublisherInstaller]);
      installer = batching.get(BatchingPublisherInstaller);
    });

    afterEach(async () => {
      await batching.close();
    });

    it('publish: await gives what the publisher resolved, and the handlers ran', async () => {
      const returned: unknown = batching.get(EventBus).publish(new OrderPlacedEvent({ sku: 'P' }));
      expect(await returned).toBe('published one');
      expect(installer.publisher.singles).toHaveLength(1);
      await flush();
      expect(batching.get(Recorder).calls).toContain('SendConfirmationHandler');
    });

    it('publishAll: one publisher call with the very array, and its result', async () => {
      const events = [
        new OrderPlacedEvent({ sku: 'B1' }),
        new OrderPlacedEvent({ sku: 'B2' }),
        new OrderPlacedEvent({ sku: 'B3' }),
      ];
      const returned: unknown = batching.get(EventBus).publishAll(events);
      expect(await returned).toEqual({ batch: 3 });
      expect(installer.publisher.batches).toHaveLength(1);
      expect(installer.publisher.batches[0]).toBe(events);
      expect(installer.publisher.singles).toHaveLength(0);
      await flush();
      const calls = batching.get(Recorder).calls;
      expect(calls.filter((c) => c === 'SendConfirmationHandler')).toHaveLength(3);
    });

    it('a publisher that throws: the caller gets that error, nothing is published', async () => {
      const failure = new Error('broker down');
      installer.publisher.failWith = failure;
      const one = await settle(() =>
        batching.get(EventBus).publish(new OrderPlacedEvent({ sku: 'F1' })),
      );
      const all = await settle(() =>
        batching.get(EventBus).publishAll([new OrderPlacedEvent({ sku: 'F2' })]),
      );
      // Upstream throws synchronously; a hook that awaits before next() cannot keep that
      // (the publisher is reached after the call returned), so the caller gets a rejection.
      expect(one).toEqual({ threwSynchronously: !userHook, error: failure });
      expect(all).toEqual({ threwSynchronously: !userHook, error: failure });
      await flush();
      expect(batching.get(Recorder).calls).toEqual([]);
      installer.publisher.failWith = undefined;
      await batching.get(EventBus).publish(new OrderPlacedEvent({ sku: 'F3' }));
      await flush();
      expect(batching.get(Recorder).calls).toContain('SendConfirmationHandler');
    });
  });

  // Nest 12 only: @nestjs/cqrs 11 has no EventBus.eventOperators to publish synchronously with.
  if (!HAS_EVENT_OPERATORS) {
    it('Nest 11: EventBus has no eventOperators (synchronous publishing runs on Nest 12)', () => {
      expect((eventBus as unknown as { eventOperators?: unknown }).eventOperators).toBeUndefined();
    });
  } else {
    describe('with Nest 12 synchronous publishing (EventBus.eventOperators)', () => {
      let synchronous: TestingModule;

      beforeEach(async () => {
        synchronous = await appWith([SynchronousPublisherInstaller]);
      });

      afterEach(async () => {
        await synchronous.close();
      });

      it('await publish() waits for the event handlers to complete', async () => {
        await synchronous.get(EventBus).publish(new AwaitedEvent('one'));
        expect(synchronous.get(Recorder).calls).toEqual(['AwaitedEventHandler:one']);
      });

      it('publishAll() hands back one promise per event, each waiting for its handlers', async () => {
        const returned: unknown = synchronous
          .get(EventBus)
          .publishAll([new AwaitedEvent('a'), new AwaitedEvent('b')]);
        const results = (await returned) as unknown[];
        expect(results).toHaveLength(2);
        await Promise.all(results);
        expect(synchronous.get(Recorder).calls.sort()).toEqual([
          'AwaitedEventHandler:a',
          'AwaitedEventHandler:b',
        ]);
      });
    });
  }
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

const revokedProxy = (() => {
  const { proxy, revoke } = Proxy.revocable(new OrderPlacedEvent({ sku: 'revoked' }), {});
  revoke();
  return proxy;
})();

const ODD_EVENTS: Array<[string, unknown]> = [
  ['undefined', undefined],
  ['null', null],
  ['Object.create(null)', Object.create(null)],
  ['a revoked Proxy', revokedProxy],
];

// Upstream hands these to the subject, where the handlers' filters throw out of band: the
// process crashes and those handlers stop receiving events. They cannot run on a bare app;
// wrapped, each is refused synchronously with an error naming it, before anything is published.
describe.each(WRAPPED_SETUPS)('bad input that upstream turns into a crash: $name', (setup) => {
  let app: TestingModule;

  beforeEach(async () => {
    app = await createTestApp({ observability: setup.observability() });
    if (setup.userHook) registerAsyncUserHook(app);
  });

  afterEach(async () => {
    await app.close();
  });

  async function stillPublishes(): Promise<void> {
    await app.get(EventBus).publish(new OrderPlacedEvent({ sku: 'still-works' }));
    await flush();
    expect(app.get(Recorder).calls).toContain('SendConfirmationHandler');
  }

  it.each(ODD_EVENTS)('publish(%s) throws a clear TypeError', async (_label, event) => {
    expect(() => app.get(EventBus).publish(event as never)).toThrow(
      /^EventBus\.publish\(event\): event must be an event object/,
    );
    await stillPublishes();
  });

  it.each(ODD_EVENTS)('publishAll([e1, %s, e2]) publishes nothing', async (_label, event) => {
    expect(() =>
      app
        .get(EventBus)
        .publishAll([
          new OrderPlacedEvent({ sku: 'e1' }),
          event as never,
          new OrderPlacedEvent({ sku: 'e2' }),
        ]),
    ).toThrow(/^EventBus\.publishAll\(events\): events\[1\] must be an event object/);
    await flush();
    expect(app.get(Recorder).calls).toEqual([]);
    await stillPublishes();
  });
});
