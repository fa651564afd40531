import { CommandBus, EventBus, QueryBus } from '@nestjs/cqrs';
import type { TestingModule } from '@nestjs/testing';
import { register, Registry } from 'prom-client';
import { DEFAULT_DURATION_BUCKETS, HookRegistry, MetricNames } from '../../lib';
import {
  FailingEvent,
  GetOrderQuery,
  PlaceOrderCommand,
  PoisonEvent,
  Recorder,
  SlowEvent,
  UnknownCommand,
} from '../fixtures/orders.fixture';
import {
  ForeignThenableCommand,
  SEMANTICS_HANDLERS,
  UnrulyThenableCommand,
} from '../fixtures/semantics.fixture';
import { createTestApp, flush } from '../utils/create-app';
import { METRICS_ONLY } from './metrics-app';
import { parseSamples, samplesOf, valueOf } from './prometheus-text';

const ALL_METRICS = Object.values(MetricNames);

async function settle(): Promise<void> {
  // Saga commands and event handlers settle a few ticks after the dispatch that caused them.
  for (let i = 0; i < 5; i++) await flush();
}

describe('MetricsInterceptor', () => {
  let registry: Registry;
  let app: TestingModule;
  let commandBus: CommandBus;
  let queryBus: QueryBus;
  let eventBus: EventBus;
  let recorder: Recorder;

  beforeEach(async () => {
    registry = new Registry();
    app = await createTestApp({ observability: { ...METRICS_ONLY, metrics: { registry } } });
    commandBus = app.get(CommandBus);
    queryBus = app.get(QueryBus);
    eventBus = app.get(EventBus);
    recorder = app.get(Recorder);
  });

  afterEach(async () => {
    await app.close();
  });

  it('registers every metric with its type and labels', async () => {
    const names = registry.getMetricsAsArray().map((metric) => metric.name);
    expect(names.sort()).toEqual([...ALL_METRICS].sort());
    const text = await registry.metrics();
    expect(text).toContain('# TYPE cqrs_message_duration_seconds histogram');
    expect(text).toContain('# TYPE cqrs_message_total counter');
    expect(text).toContain('# TYPE cqrs_event_handler_duration_seconds histogram');
    expect(text).toContain('# TYPE cqrs_event_handler_total counter');
    expect(text).toContain('# TYPE cqrs_messages_in_flight gauge');
    expect(text).toContain('# TYPE cqrs_saga_stream_errors_total counter');
    expect(text).toContain('# TYPE cqrs_unhandled_exceptions_total counter');
    // Nothing happened yet, but every registered handler's series exist, at 0, for both
    // outcomes: a series that first appears at 1 is invisible to `rate()` and `increase()`.
    const samples = parseSamples(text);
    expect(samples.length).toBeGreaterThan(0);
    expect(samples.filter((sample) => sample.value !== 0)).toEqual([]);
    const labelsOf = (name: string) =>
      samplesOf(text, name)
        .map((sample) => Object.values(sample.labels).join('/'))
        .sort();
    const both = (...prefixes: string[]) =>
      prefixes.flatMap((prefix) => [`${prefix}/error`, `${prefix}/success`]).sort();
    expect(labelsOf('cqrs_message_total')).toEqual(
      both(
        'command/PlaceOrderCommand',
        'command/ReserveStockCommand',
        'command/PlainCommand',
        'command/ScopedCommand',
        'query/GetOrderQuery',
        'event/OrderPlacedEvent',
        'event/FailingEvent',
        'event/SlowEvent',
        'saga/OrderSaga',
      ),
    );
    expect(labelsOf('cqrs_message_duration_seconds_count')).toEqual(labelsOf('cqrs_message_total'));
    expect(labelsOf('cqrs_event_handler_total')).toEqual(
      both(
        'OrderPlacedEvent/SendConfirmationHandler',
        'FailingEvent/FailingEventHandler',
        'SlowEvent/SlowEventHandler',
      ),
    );
    expect(labelsOf('cqrs_event_handler_duration_seconds_count')).toEqual(
      labelsOf('cqrs_event_handler_total'),
    );
    expect(samplesOf(text, 'cqrs_saga_stream_errors_total')).toEqual([
      { name: 'cqrs_saga_stream_errors_total', labels: { saga: 'OrderSaga' }, value: 0 },
    ]);
  });

  it('counts and times a successful command, its event, its handler and its saga', async () => {
    const command = new PlaceOrderCommand({ sku: 'A-1', quantity: 2 });
    await expect(commandBus.execute(command)).resolves.toBe(recorder.result);
    await settle();
    const text = await registry.metrics();

    expect(text).toContain(
      'cqrs_message_total{kind="command",message_type="PlaceOrderCommand",outcome="success"} 1',
    );
    // Settling order is the handlers' business: compare as sets.
    const totals = samplesOf(text, 'cqrs_message_total').filter((sample) => sample.value > 0);
    expect(totals).toHaveLength(4);
    expect(totals).toEqual(
      expect.arrayContaining(
        [
          { kind: 'command', message_type: 'PlaceOrderCommand' },
          { kind: 'event', message_type: 'OrderPlacedEvent' },
          { kind: 'saga', message_type: 'OrderSaga' },
          { kind: 'command', message_type: 'ReserveStockCommand' },
        ].map((labels) => ({
          name: 'cqrs_message_total',
          labels: { ...labels, outcome: 'success' },
          value: 1,
        })),
      ),
    );
    for (const { labels } of totals) {
      expect(valueOf(text, 'cqrs_message_duration_seconds_count', labels)).toBe(1);
      const sum = valueOf(text, 'cqrs_message_duration_seconds_sum', labels);
      expect(sum).toBeGreaterThanOrEqual(0);
      expect(valueOf(text, 'cqrs_message_duration_seconds_bucket', { ...labels, le: '+Inf' })).toBe(
        1,
      );
    }
    expect(samplesOf(text, 'cqrs_event_handler_total').filter((s) => s.value > 0)).toEqual([
      {
        name: 'cqrs_event_handler_total',
        labels: {
          event_type: 'OrderPlacedEvent',
          handler: 'SendConfirmationHandler',
          outcome: 'success',
        },
        value: 1,
      },
    ]);
    expect(
      valueOf(text, 'cqrs_event_handler_duration_seconds_count', {
        event_type: 'OrderPlacedEvent',
        handler: 'SendConfirmationHandler',
        outcome: 'success',
      }),
    ).toBe(1);
    expect(text).toContain('cqrs_saga_stream_errors_total{saga="OrderSaga"} 0');
    expect(samplesOf(text, 'cqrs_unhandled_exceptions_total')).toEqual([]);
  });

  it('counts a handler that throws synchronously as an error and rethrows the same error synchronously', async () => {
    const command = new PlaceOrderCommand({ sku: 'A-1', quantity: 1, mode: 'sync-throw' });
    let thrown: unknown;
    try {
      // Not awaited: the bus must throw before returning anything.
      void commandBus.execute(command);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBe(recorder.syncError);
    const text = await registry.metrics();
    const labels = { kind: 'command', message_type: 'PlaceOrderCommand', outcome: 'error' };
    expect(valueOf(text, 'cqrs_message_total', labels)).toBe(1);
    expect(valueOf(text, 'cqrs_message_duration_seconds_count', labels)).toBe(1);
    expect(valueOf(text, 'cqrs_message_total', { ...labels, outcome: 'success' })).toBe(0);
  });

  it('counts a rejected command as an error and rejects with the same error', async () => {
    const command = new PlaceOrderCommand({ sku: 'A-1', quantity: 1, mode: 'reject' });
    await expect(commandBus.execute(command)).rejects.toBe(recorder.asyncError);
    const text = await registry.metrics();
    const labels = { kind: 'command', message_type: 'PlaceOrderCommand', outcome: 'error' };
    expect(valueOf(text, 'cqrs_message_total', labels)).toBe(1);
    expect(valueOf(text, 'cqrs_message_duration_seconds_count', labels)).toBe(1);
  });

  it('counts an unknown command as unhandled, thrown synchronously as upstream does', async () => {
    expect(() => commandBus.execute(new UnknownCommand())).toThrow(/UnknownCommand/);
    const text = await registry.metrics();
    expect(
      valueOf(text, 'cqrs_message_total', {
        kind: 'command',
        message_type: 'UnknownCommand',
        outcome: 'unhandled',
      }),
    ).toBe(1);
    expect(
      valueOf(text, 'cqrs_message_total', {
        kind: 'command',
        message_type: 'UnknownCommand',
        outcome: 'error',
      }),
    ).toBe(0);
  });

  it('adds up repeated dispatches in one series', async () => {
    for (let i = 0; i < 3; i++) {
      await commandBus.execute(new PlaceOrderCommand({ sku: 'A', quantity: 1, mode: 'no-event' }));
    }
    await expect(
      commandBus.execute(new PlaceOrderCommand({ sku: 'A', quantity: 1, mode: 'reject' })),
    ).rejects.toBe(recorder.asyncError);
    const text = await registry.metrics();
    const labels = { kind: 'command', message_type: 'PlaceOrderCommand' };
    expect(valueOf(text, 'cqrs_message_total', { ...labels, outcome: 'success' })).toBe(3);
    expect(valueOf(text, 'cqrs_message_total', { ...labels, outcome: 'error' })).toBe(1);
    expect(
      valueOf(text, 'cqrs_message_duration_seconds_count', { ...labels, outcome: 'success' }),
    ).toBe(3);
  });

  it('counts and times a query', async () => {
    await expect(queryBus.execute(new GetOrderQuery({ sku: 'Q-1' }))).resolves.toEqual({
      sku: 'Q-1',
    });
    const text = await registry.metrics();
    expect(text).toContain(
      'cqrs_message_total{kind="query",message_type="GetOrderQuery",outcome="success"} 1',
    );
    expect(
      valueOf(text, 'cqrs_message_duration_seconds_count', {
        kind: 'query',
        message_type: 'GetOrderQuery',
        outcome: 'success',
      }),
    ).toBe(1);
  });

  it('counts a failing event handler as an error, and the unhandled exception it becomes', async () => {
    eventBus.publish(new FailingEvent({}));
    await settle();
    const text = await registry.metrics();
    expect(text).toContain(
      'cqrs_event_handler_total{event_type="FailingEvent",handler="FailingEventHandler",outcome="error"} 1',
    );
    expect(
      valueOf(text, 'cqrs_event_handler_duration_seconds_count', {
        event_type: 'FailingEvent',
        handler: 'FailingEventHandler',
        outcome: 'error',
      }),
    ).toBe(1);
    // The publish itself succeeded: it is fire-and-forget.
    expect(
      valueOf(text, 'cqrs_message_total', {
        kind: 'event',
        message_type: 'FailingEvent',
        outcome: 'success',
      }),
    ).toBe(1);
    expect(samplesOf(text, 'cqrs_unhandled_exceptions_total')).toEqual([
      {
        name: 'cqrs_unhandled_exceptions_total',
        labels: { kind: 'event', cause_type: 'FailingEvent' },
        value: 1,
      },
    ]);
  });

  it('counts a saga stream that dies', async () => {
    eventBus.publish(new PoisonEvent({}));
    await settle();
    const text = await registry.metrics();
    expect(text).toContain('cqrs_saga_stream_errors_total{saga="OrderSaga"} 1');
    // The dead saga also reaches @nestjs/cqrs's UnhandledExceptionBus, blamed on the saga.
    expect(samplesOf(text, 'cqrs_unhandled_exceptions_total')).toEqual([
      {
        name: 'cqrs_unhandled_exceptions_total',
        labels: { kind: 'saga', cause_type: 'OrderSaga' },
        value: 1,
      },
    ]);
  });

  it('tracks operations in flight and is back to 0 when they settle', async () => {
    eventBus.publish(new SlowEvent({}));
    await flush();
    let text = await registry.metrics();
    expect(valueOf(text, 'cqrs_messages_in_flight', { kind: 'event' })).toBe(1);

    recorder.releaseSlowHandler();
    await expect(
      commandBus.execute(new PlaceOrderCommand({ sku: 'A', quantity: 1 })),
    ).resolves.toBe(recorder.result);
    expect(() =>
      commandBus.execute(new PlaceOrderCommand({ sku: 'A', quantity: 1, mode: 'sync-throw' })),
    ).toThrow(recorder.syncError);
    await expect(
      commandBus.execute(new PlaceOrderCommand({ sku: 'A', quantity: 1, mode: 'reject' })),
    ).rejects.toBe(recorder.asyncError);
    await queryBus.execute(new GetOrderQuery({ sku: 'A' }));
    eventBus.publish(new FailingEvent({}));
    await settle();

    text = await registry.metrics();
    const inFlight = samplesOf(text, 'cqrs_messages_in_flight');
    expect(inFlight.map((sample) => sample.labels.kind).sort()).toEqual([
      'command',
      'event',
      'query',
      'saga',
    ]);
    expect(inFlight.map((sample) => sample.value)).toEqual([0, 0, 0, 0]);
  });

  it('uses the specified buckets by default', async () => {
    await queryBus.execute(new GetOrderQuery({ sku: 'A' }));
    eventBus.publish(new FailingEvent({}));
    await settle();
    const text = await registry.metrics();
    const expected = [
      '0.005',
      '0.01',
      '0.025',
      '0.05',
      '0.075',
      '0.1',
      '0.25',
      '0.5',
      '0.75',
      '1',
      '2.5',
      '5',
      '7.5',
      '10',
      '+Inf',
    ];
    expect(DEFAULT_DURATION_BUCKETS.map(String)).toEqual(expected.slice(0, -1));
    const messageLe = samplesOf(text, 'cqrs_message_duration_seconds_bucket', {
      kind: 'query',
      outcome: 'success',
    }).map((sample) => sample.labels.le);
    expect(messageLe).toEqual(expected);
    const handlerLe = samplesOf(text, 'cqrs_event_handler_duration_seconds_bucket', {
      event_type: 'FailingEvent',
      outcome: 'error',
    }).map((sample) => sample.labels.le);
    expect(handlerLe).toEqual(expected);
  });

  it('keeps labels bounded on hand-made operations', async () => {
    // executeAll is public: whatever a caller passes, labels stay bounded and well-formed.
    const hooks = app.get(HookRegistry);
    await expect(
      hooks.executeAll('command.execute.Handmade', { kind: 'user-42' as never }, () => 'done'),
    ).resolves.toBe('done');
    const text = await registry.metrics();
    expect(
      valueOf(text, 'cqrs_message_total', {
        kind: '_other',
        message_type: 'unknown',
        outcome: 'success',
      }),
    ).toBe(1);
  });
});

describe('MetricsInterceptor options', () => {
  it('uses the configured buckets', async () => {
    const registry = new Registry();
    const app = await createTestApp({
      observability: { ...METRICS_ONLY, metrics: { registry, buckets: [0.1, 1, 30] } },
    });
    try {
      await app.get(QueryBus).execute(new GetOrderQuery({ sku: 'A' }));
      const text = await registry.metrics();
      expect(
        samplesOf(text, 'cqrs_message_duration_seconds_bucket', {
          message_type: 'GetOrderQuery',
          outcome: 'success',
        }).map((sample) => sample.labels.le),
      ).toEqual(['0.1', '1', '30', '+Inf']);
    } finally {
      await app.close();
    }
  });

  it('counts a foreign thenable once, as the outcome the caller awaits', async () => {
    const registry = new Registry();
    const app = await createTestApp({
      observability: { ...METRICS_ONLY, metrics: { registry } },
      providers: SEMANTICS_HANDLERS,
    });
    try {
      const commandBus = app.get(CommandBus);
      // Resolves with 1, again with 2, then rejects: one success, nothing else.
      await expect(commandBus.execute(new UnrulyThenableCommand())).resolves.toBe(1);
      await expect(commandBus.execute(new ForeignThenableCommand())).resolves.toBe(42);
      await flush();
      const text = await registry.metrics();
      for (const type of ['UnrulyThenableCommand', 'ForeignThenableCommand']) {
        const labels = { kind: 'command', message_type: type };
        expect(valueOf(text, 'cqrs_message_total', { ...labels, outcome: 'success' })).toBe(1);
        expect(valueOf(text, 'cqrs_message_total', { ...labels, outcome: 'error' })).toBe(0);
        expect(
          valueOf(text, 'cqrs_message_duration_seconds_count', { ...labels, outcome: 'success' }),
        ).toBe(1);
      }
      expect(valueOf(text, 'cqrs_messages_in_flight', { kind: 'command' })).toBe(0);
    } finally {
      await app.close();
    }
  });

  it('registers nothing with metrics: false', async () => {
    const defaultNames = register.getMetricsAsArray().map((metric) => metric.name);
    const app = await createTestApp({
      observability: { ...METRICS_ONLY, correlation: false, validation: false, metrics: false },
    });
    try {
      await app.get(CommandBus).execute(new PlaceOrderCommand({ sku: 'A', quantity: 1 }));
      expect(register.getMetricsAsArray().map((metric) => metric.name)).toEqual(defaultNames);
      expect(app.get(HookRegistry).hasHooksFor('command.execute.PlaceOrderCommand')).toBe(false);
    } finally {
      await app.close();
    }
  });

  it("records in prom-client's default registry when none is given", async () => {
    const app = await createTestApp({ observability: { ...METRICS_ONLY } });
    try {
      await app.get(QueryBus).execute(new GetOrderQuery({ sku: 'A' }));
      const text = await register.metrics();
      expect(
        valueOf(text, 'cqrs_message_total', {
          kind: 'query',
          message_type: 'GetOrderQuery',
          outcome: 'success',
        }),
      ).toBe(1);
    } finally {
      await app.close();
      for (const name of ALL_METRICS) register.removeSingleMetric(name);
    }
  });
});
