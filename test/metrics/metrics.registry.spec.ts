import { CommandBus, EventBus, QueryBus } from '@nestjs/cqrs';
import type { TestingModule } from '@nestjs/testing';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import {
  FailingEvent,
  GetOrderQuery,
  PlaceOrderCommand,
  Recorder,
  SlowEvent,
} from '../fixtures/orders.fixture';
import { MetricNames } from '../../lib';
import { createTestApp, flush } from '../utils/create-app';
import { CapturingLogger, createLoggedTestApp, METRICS_ONLY } from './metrics-app';
import { samplesOf, valueOf } from './prometheus-text';

const PLACE_ORDER = { kind: 'command', message_type: 'PlaceOrderCommand' };

/** A histogram whose storage fails on every observation, as a broken registry would. */
class BrokenHistogram extends Histogram<string> {
  observations = 0;

  override labels(..._args: unknown[]): Histogram.Internal<string> {
    return {
      observe: () => {
        this.observations++;
        throw new Error('histogram storage is broken');
      },
      startTimer: () => () => undefined,
    };
  }
}

/** A registry that refuses every metric registered in it. */
class RefusingRegistry extends Registry {
  override registerMetric(): void {
    throw new Error('registry is read-only');
  }
}

/** Runs the three shapes of a command outcome and checks each comes back untouched. */
async function dispatchEveryOutcome(app: TestingModule): Promise<void> {
  const bus = app.get(CommandBus);
  const recorder = app.get(Recorder);
  await expect(
    bus.execute(new PlaceOrderCommand({ sku: 'A', quantity: 1, mode: 'no-event' })),
  ).resolves.toBe(recorder.result);
  await expect(
    bus.execute(new PlaceOrderCommand({ sku: 'A', quantity: 1, mode: 'reject' })),
  ).rejects.toBe(recorder.asyncError);
  let thrown: unknown;
  try {
    void bus.execute(new PlaceOrderCommand({ sku: 'A', quantity: 1, mode: 'sync-throw' }));
  } catch (error) {
    thrown = error;
  }
  expect(thrown).toBe(recorder.syncError);
}

describe('metrics registry', () => {
  const apps: TestingModule[] = [];

  afterEach(async () => {
    for (const app of apps.splice(0)) await app.close();
  });

  it('lets two apps in one process share a registry, both recording', async () => {
    const registry = new Registry();
    const first = await createTestApp({
      observability: { ...METRICS_ONLY, metrics: { registry } },
    });
    apps.push(first);
    const second = await createTestApp({
      observability: { ...METRICS_ONLY, metrics: { registry } },
    });
    apps.push(second);

    await first.get(QueryBus).execute(new GetOrderQuery({ sku: 'A' }));
    await second.get(QueryBus).execute(new GetOrderQuery({ sku: 'B' }));
    await second.get(QueryBus).execute(new GetOrderQuery({ sku: 'C' }));

    const text = await registry.metrics();
    const labels = { kind: 'query', message_type: 'GetOrderQuery', outcome: 'success' };
    expect(valueOf(text, 'cqrs_message_total', labels)).toBe(3);
    expect(valueOf(text, 'cqrs_message_duration_seconds_count', labels)).toBe(3);
    expect(registry.getMetricsAsArray()).toHaveLength(Object.keys(MetricNames).length);
  });

  it('keeps recording in the second app after the first one closed', async () => {
    const registry = new Registry();
    const first = await createTestApp({
      observability: { ...METRICS_ONLY, metrics: { registry } },
    });
    const second = await createTestApp({
      observability: { ...METRICS_ONLY, metrics: { registry } },
    });
    apps.push(second);
    await first.close();

    await second.get(QueryBus).execute(new GetOrderQuery({ sku: 'B' }));
    const text = await registry.metrics();
    expect(
      valueOf(text, 'cqrs_message_total', {
        kind: 'query',
        message_type: 'GetOrderQuery',
        outcome: 'success',
      }),
    ).toBe(1);
  });

  it('reuses a metric the app registered itself under the same name and labels', async () => {
    const registry = new Registry();
    const own = new Counter({
      name: 'cqrs_message_total',
      help: 'registered by the application',
      labelNames: ['outcome', 'message_type', 'kind'],
      registers: [registry],
    });
    const ownGauge = new Gauge({
      name: 'cqrs_messages_in_flight',
      help: 'registered by the application',
      labelNames: ['kind'],
      registers: [registry],
    });
    const app = await createTestApp({ observability: { ...METRICS_ONLY, metrics: { registry } } });
    apps.push(app);

    await app.get(QueryBus).execute(new GetOrderQuery({ sku: 'A' }));
    expect(registry.getSingleMetric('cqrs_message_total')).toBe(own);
    expect(registry.getSingleMetric('cqrs_messages_in_flight')).toBe(ownGauge);
    const text = await registry.metrics();
    expect(
      valueOf(text, 'cqrs_message_total', {
        kind: 'query',
        message_type: 'GetOrderQuery',
        outcome: 'success',
      }),
    ).toBe(1);
    expect(valueOf(text, 'cqrs_messages_in_flight', { kind: 'query' })).toBe(0);
  });

  it("adds both apps' operations in flight in one gauge", async () => {
    const registry = new Registry();
    const first = await createTestApp({
      observability: { ...METRICS_ONLY, metrics: { registry } },
    });
    apps.push(first);
    const second = await createTestApp({
      observability: { ...METRICS_ONLY, metrics: { registry } },
    });
    apps.push(second);

    first.get(EventBus).publish(new SlowEvent({}));
    second.get(EventBus).publish(new SlowEvent({}));
    await flush();
    expect(valueOf(await registry.metrics(), 'cqrs_messages_in_flight', { kind: 'event' })).toBe(2);

    first.get(Recorder).releaseSlowHandler();
    second.get(Recorder).releaseSlowHandler();
    for (let i = 0; i < 3; i++) await flush();
    expect(valueOf(await registry.metrics(), 'cqrs_messages_in_flight', { kind: 'event' })).toBe(0);
  });
});

describe('metrics failure isolation', () => {
  let logger: CapturingLogger;
  const apps: TestingModule[] = [];

  beforeEach(() => {
    logger = new CapturingLogger();
  });

  afterEach(async () => {
    for (const app of apps.splice(0)) await app.close();
  });

  it('reports a metric that throws once and hands back every result and error unchanged', async () => {
    const registry = new Registry();
    const broken = new BrokenHistogram({
      name: 'cqrs_message_duration_seconds',
      help: 'broken',
      labelNames: ['kind', 'message_type', 'outcome'],
      registers: [registry],
    });
    const app = await createLoggedTestApp({ ...METRICS_ONLY, metrics: { registry } }, logger);
    apps.push(app);

    await dispatchEveryOutcome(app);
    await dispatchEveryOutcome(app);

    expect(broken.observations).toBe(6);
    expect(logger.matching('warn', 'cqrs_message_duration_seconds')).toEqual([
      'Recording cqrs_message_duration_seconds failed: Error: histogram storage is broken',
    ]);
    // The other metrics of the same dispatches are still recorded.
    const text = await registry.metrics();
    expect(valueOf(text, 'cqrs_message_total', { ...PLACE_ORDER, outcome: 'success' })).toBe(2);
    expect(valueOf(text, 'cqrs_message_total', { ...PLACE_ORDER, outcome: 'error' })).toBe(4);
    expect(valueOf(text, 'cqrs_messages_in_flight', { kind: 'command' })).toBe(0);
  });

  it('reports a metric registered under our name with other labels once, and leaves it alone', async () => {
    const registry = new Registry();
    const foreign = new Counter({
      name: 'cqrs_message_total',
      help: 'someone else’s counter',
      labelNames: ['tenant'],
      registers: [registry],
    });
    const app = await createLoggedTestApp({ ...METRICS_ONLY, metrics: { registry } }, logger);
    apps.push(app);

    await dispatchEveryOutcome(app);
    await dispatchEveryOutcome(app);

    expect(logger.matching('warn', 'cqrs_message_total')).toEqual([
      'Registering cqrs_message_total failed: TypeError: the registry already holds a counter ' +
        '"cqrs_message_total" with labels [tenant]; expected a counter with labels ' +
        '[kind, message_type, outcome], so it is not recorded',
    ]);
    expect(registry.getSingleMetric('cqrs_message_total')).toBe(foreign);
    const text = await registry.metrics();
    expect(samplesOf(text, 'cqrs_message_total')).toEqual([]);
    expect(
      valueOf(text, 'cqrs_message_duration_seconds_count', { ...PLACE_ORDER, outcome: 'error' }),
    ).toBe(4);
  });

  it('reports a metric registered under our name with another type once', async () => {
    const registry = new Registry();
    new Gauge({
      name: 'cqrs_event_handler_total',
      help: 'a gauge, not a counter',
      labelNames: ['event_type', 'handler', 'outcome'],
      registers: [registry],
    });
    const app = await createLoggedTestApp({ ...METRICS_ONLY, metrics: { registry } }, logger);
    apps.push(app);

    app.get(EventBus).publish(new FailingEvent({}));
    app.get(EventBus).publish(new FailingEvent({}));
    for (let i = 0; i < 5; i++) await flush();

    expect(logger.matching('warn', 'cqrs_event_handler_total')).toEqual([
      expect.stringContaining(
        'Registering cqrs_event_handler_total failed: TypeError: the registry already holds a gauge',
      ),
    ]);
    const text = await registry.metrics();
    expect(samplesOf(text, 'cqrs_event_handler_total')).toEqual([]);
    expect(
      valueOf(text, 'cqrs_event_handler_duration_seconds_count', {
        event_type: 'FailingEvent',
        handler: 'FailingEventHandler',
        outcome: 'error',
      }),
    ).toBe(2);
  });

  it('starts and dispatches when the registry refuses every metric', async () => {
    const registry = new RefusingRegistry();
    const app = await createLoggedTestApp({ ...METRICS_ONLY, metrics: { registry } }, logger);
    apps.push(app);

    await dispatchEveryOutcome(app);

    const warnings = logger.matching('warn', 'registry is read-only');
    expect(warnings).toHaveLength(Object.keys(MetricNames).length);
    expect(warnings).toContain(
      'Registering cqrs_message_total failed: Error: registry is read-only',
    );
    expect(await registry.metrics()).toBe('\n');
  });
});
