import { CommandBus, EventBus, QueryBus } from '@nestjs/cqrs';
import type { TestingModule } from '@nestjs/testing';
import { metrics } from '@opentelemetry/api';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Histogram } from '@opentelemetry/sdk-metrics';
import {
  BaseEvent,
  CqrsObservabilityModule,
  type CqrsObservabilityModuleOptions,
  HookRegistry,
  OTEL_PROCESS_DURATION_BUCKETS,
  OtelMetricAttributes,
  OtelMetricNames,
  OtelOperationNames,
  OTEL_METER_NAME,
} from '../../lib';
import {
  FailingEvent,
  GetOrderQuery,
  PlaceOrderCommand,
  Recorder,
} from '../fixtures/orders.fixture';
import { resolveObservabilityOptions } from '../../lib/options';
import { CapturingLogger, createLoggedTestApp } from '../metrics/metrics-app';
import { createTestApp, flush } from '../utils/create-app';
import { isHistogram, pointsOf, pointWith, startMetricsSdk, type MetricsSdk } from './metrics-sdk';

const DURATION = OtelMetricNames.PROCESS_DURATION;
const SENT = OtelMetricNames.SENT_MESSAGES;

/** Only this signal on, so the hooks the registry holds are its own. */
const OTEL_ONLY: CqrsObservabilityModuleOptions = {
  validation: false,
  tracing: false,
  metrics: false,
  logging: false,
  sentry: false,
};

function eventClass(name: string): new () => BaseEvent {
  return { [name]: class extends BaseEvent {} }[name]!;
}

class RejectedOrderError extends Error {}

describe('OpenTelemetry metrics (messaging semantic conventions)', () => {
  let sdk: MetricsSdk;
  let app: TestingModule | undefined;

  beforeEach(() => {
    sdk = startMetricsSdk();
  });

  afterEach(async () => {
    await app?.close();
    app = undefined;
    await sdk.shutdown();
    metrics.disable();
  });

  async function start(options: CqrsObservabilityModuleOptions = {}): Promise<TestingModule> {
    app = await createTestApp({
      observability: { ...OTEL_ONLY, otelMetrics: { meterProvider: sdk.provider }, ...options },
    });
    return app;
  }

  it('records messaging.process.duration for a command, its event handler, the saga step and the saga command', async () => {
    const module = await start();
    await module.get(CommandBus).execute(new PlaceOrderCommand({ sku: 'A-1', quantity: 1 }));
    await flush();

    const recorded = await sdk.collect();
    const duration = recorded.get(DURATION);
    expect(isHistogram(duration)).toBe(true);
    expect(duration?.descriptor.unit).toBe('s');
    expect(duration?.descriptor.description).toBe('Duration of processing operation.');

    const command = pointWith(recorded, DURATION, {
      'messaging.destination.name': 'PlaceOrderCommand',
    });
    expect(command.attributes).toEqual({
      'messaging.system': 'nestjs-cqrs',
      'messaging.operation.name': 'process',
      'messaging.destination.name': 'PlaceOrderCommand',
      'messaging.destination.subscription.name': 'PlaceOrderHandler',
    });
    const histogram = command.value as Histogram;
    expect(histogram.count).toBe(1);
    // The conventions' advice buckets, applied by the SDK from the instrument's advice.
    expect(histogram.buckets.boundaries).toEqual([...OTEL_PROCESS_DURATION_BUCKETS]);
    expect(histogram.sum).toBeGreaterThanOrEqual(0);
    expect(histogram.sum).toBeLessThan(5);

    expect(
      pointWith(recorded, DURATION, {
        'messaging.destination.name': 'OrderPlacedEvent',
        'messaging.destination.subscription.name': 'SendConfirmationHandler',
      }).attributes,
    ).toEqual({
      'messaging.system': 'nestjs-cqrs',
      'messaging.operation.name': 'process',
      'messaging.destination.name': 'OrderPlacedEvent',
      'messaging.destination.subscription.name': 'SendConfirmationHandler',
    });
    // The saga step processes the event it answered; its subscription is the saga.
    expect(
      (
        pointWith(recorded, DURATION, {
          'messaging.destination.name': 'OrderPlacedEvent',
          'messaging.destination.subscription.name': 'OrderSaga',
        }).value as Histogram
      ).count,
    ).toBe(1);
    expect(
      pointWith(recorded, DURATION, { 'messaging.destination.name': 'ReserveStockCommand' })
        .attributes['messaging.destination.subscription.name'],
    ).toBe('ReserveStockHandler');
    // No error.type anywhere on success.
    for (const point of pointsOf(recorded, DURATION)) {
      expect(point.attributes).not.toHaveProperty('error.type');
    }
  });

  it('counts messaging.client.sent.messages for every published event, publishAll included', async () => {
    const module = await start();
    const eventBus = module.get(EventBus);
    eventBus.publish(new FailingEvent());
    eventBus.publishAll([new (eventClass('BatchedEvent'))(), new (eventClass('BatchedEvent'))()]);
    await flush();

    const recorded = await sdk.collect();
    const sent = recorded.get(SENT);
    expect(sent?.descriptor.unit).toBe('{message}');
    expect(isHistogram(sent)).toBe(false);
    expect(pointWith(recorded, SENT, { 'messaging.destination.name': 'FailingEvent' })).toEqual(
      expect.objectContaining({
        attributes: {
          'messaging.system': 'nestjs-cqrs',
          'messaging.operation.name': 'send',
          'messaging.destination.name': 'FailingEvent',
        },
        value: 1,
      }),
    );
    // Two classes of the same name: one destination.
    expect(pointWith(recorded, SENT, { 'messaging.destination.name': 'BatchedEvent' }).value).toBe(
      2,
    );
    // Publishing is not processing: no duration for the publish itself.
    expect(
      pointsOf(recorded, DURATION).filter(
        (point) =>
          point.attributes['messaging.destination.name'] === 'BatchedEvent' &&
          point.attributes['messaging.destination.subscription.name'] === undefined,
      ),
    ).toEqual([]);
  });

  it('adds error.type (the class name) on failures only, and leaves the error unchanged', async () => {
    const module = await start();
    const commandBus = module.get(CommandBus);
    const recorder = module.get(Recorder);
    await expect(
      commandBus.execute(new PlaceOrderCommand({ sku: 'A-1', quantity: 1, mode: 'reject' })),
    ).rejects.toBe(recorder.asyncError);
    expect(() =>
      commandBus.execute(new PlaceOrderCommand({ sku: 'A-1', quantity: 1, mode: 'sync-throw' })),
    ).toThrow(recorder.syncError);
    await commandBus.execute(new PlaceOrderCommand({ sku: 'A-1', quantity: 1, mode: 'no-event' }));
    module.get(EventBus).publish(new FailingEvent());
    await flush();
    await flush();

    const recorded = await sdk.collect();
    const failed = pointWith(recorded, DURATION, {
      'messaging.destination.name': 'PlaceOrderCommand',
      'error.type': 'Error',
    });
    expect((failed.value as Histogram).count).toBe(2);
    const succeeded = pointsOf(recorded, DURATION).filter(
      (point) =>
        point.attributes['messaging.destination.name'] === 'PlaceOrderCommand' &&
        !('error.type' in point.attributes),
    );
    expect(succeeded.map((point) => (point.value as Histogram).count)).toEqual([1]);
    expect(
      pointWith(recorded, DURATION, {
        'messaging.destination.name': 'FailingEvent',
        'messaging.destination.subscription.name': 'FailingEventHandler',
      }).attributes['error.type'],
    ).toBe('Error');
  });

  it('names a custom error class in error.type, and _OTHER for a thrown non-object', async () => {
    const module = await start();
    const queryBus = module.get(QueryBus);
    await queryBus.execute(new GetOrderQuery({ sku: 'Q-1' }));
    // A user hook inside the chain refuses the next two queries, with an error class and
    // with a thrown string.
    const refusals: unknown[] = [new RejectedOrderError('no'), 'plain string'];
    module.get(HookRegistry).register(
      async () => {
        throw refusals.shift();
      },
      { operations: ['query.execute.*'], priority: 100 },
    );
    for (let i = 0; i < 2; i++) {
      await expect(queryBus.execute(new GetOrderQuery({ sku: 'Q-1' }))).rejects.toBeDefined();
    }

    const recorded = await sdk.collect();
    const byType = (errorType: string | undefined) =>
      pointsOf(recorded, DURATION).filter(
        (point) =>
          point.attributes['messaging.destination.name'] === 'GetOrderQuery' &&
          point.attributes['error.type'] === errorType,
      );
    expect(byType(undefined)).toHaveLength(1);
    expect(byType(undefined)[0]!.attributes['messaging.destination.subscription.name']).toBe(
      'GetOrderHandler',
    );
    expect(byType('RejectedOrderError')).toHaveLength(1);
    expect(byType('_OTHER')).toHaveLength(1);
  });

  it('caps destinations at maxMessageTypes like the Prometheus labels (_other beyond)', async () => {
    const module = await start({
      otelMetrics: { meterProvider: sdk.provider, maxMessageTypes: 3 },
    });
    const eventBus = module.get(EventBus);
    const published = 20;
    for (let i = 0; i < published; i++) eventBus.publish(new (eventClass(`GeneratedEvent${i}`))());
    eventBus.publish(new (eventClass(`Generated${'X'.repeat(500)}Event`))());
    await flush();

    const recorded = await sdk.collect();
    const points = pointsOf(recorded, SENT);
    expect(points.map((point) => point.attributes['messaging.destination.name'])).toEqual([
      'GeneratedEvent0',
      'GeneratedEvent1',
      'GeneratedEvent2',
      '_other',
    ]);
    expect(pointWith(recorded, SENT, { 'messaging.destination.name': '_other' }).value).toBe(
      published - 3 + 1,
    );
  });

  it('cuts long class names to 128 characters, as the Prometheus labels', async () => {
    const module = await start();
    module.get(EventBus).publish(new (eventClass(`Generated${'X'.repeat(500)}Event`))());
    await flush();
    const [point] = pointsOf(await sdk.collect(), SENT);
    const name = point?.attributes['messaging.destination.name'] as string;
    expect(name).toHaveLength(128);
    expect(name.endsWith('...')).toBe(true);
  });

  it('records through the global MeterProvider when none is passed', async () => {
    expect(metrics.setGlobalMeterProvider(sdk.provider)).toBe(true);
    app = await createTestApp({ observability: OTEL_ONLY });
    await app.get(CommandBus).execute(new PlaceOrderCommand({ sku: 'A-1', quantity: 1 }));
    await flush();
    const recorded = await sdk.collect();
    expect(pointsOf(recorded, SENT).map((point) => point.value)).toEqual([1]);
    expect(pointsOf(recorded, DURATION).length).toBeGreaterThan(0);
  });

  it('records nothing, and installs no hook, when turned off', async () => {
    // Guard: the same provider records what is given to it.
    sdk.provider.getMeter('guard').createCounter('guard.count').add(1);
    const module = await start({ otelMetrics: false });
    expect(module.get(HookRegistry).hasHooksFor('command.execute.PlaceOrderCommand')).toBe(false);
    await module.get(CommandBus).execute(new PlaceOrderCommand({ sku: 'A-1', quantity: 1 }));
    await flush();
    const recorded = await sdk.collect();
    expect([...recorded.keys()]).toEqual(['guard.count']);
  });

  it('installs no hook when no MeterProvider is registered (the API no-op meter)', async () => {
    app = await createTestApp({ observability: OTEL_ONLY });
    const registry = app.get(HookRegistry);
    expect(registry.hasHooksFor('command.execute.PlaceOrderCommand')).toBe(false);
    expect(registry.hasHooksFor('event.dispatch.OrderPlacedEvent')).toBe(false);
    await app.close();
    // Guard: with a provider, the same options do install it.
    app = await start();
    expect(app.get(HookRegistry).hasHooksFor('command.execute.PlaceOrderCommand')).toBe(true);
  });

  it('says so once when asked for explicitly but no MeterProvider is registered', async () => {
    const logger = new CapturingLogger();
    app = await createLoggedTestApp({ ...OTEL_ONLY, otelMetrics: true }, logger);
    expect(logger.matching('warn', 'no OpenTelemetry MeterProvider is registered')).toHaveLength(1);
    await app.close();
    const quiet = new CapturingLogger();
    app = await createLoggedTestApp(OTEL_ONLY, quiet);
    expect(quiet.matching('warn', 'MeterProvider')).toEqual([]);
    // Guard: the logger does capture the module's startup lines.
    expect(logger.lines.length).toBeGreaterThan(0);
  });

  it('keeps the dispatch unchanged when the MeterProvider fails', async () => {
    const broken = {
      getMeter: () => {
        throw new Error('meter provider down');
      },
    };
    const logger = new CapturingLogger();
    app = await createLoggedTestApp(
      { ...OTEL_ONLY, otelMetrics: { meterProvider: broken as never } },
      logger,
    );
    const recorder = app.get(Recorder);
    await expect(
      app.get(CommandBus).execute(new PlaceOrderCommand({ sku: 'A-1', quantity: 1 })),
    ).resolves.toBe(recorder.result);
    expect(logger.matching('warn', 'Starting OpenTelemetry CQRS metrics')).toHaveLength(1);
  });
});

describe('otelMetrics options', () => {
  it('turns off with false; true and {} mean the defaults, asked for explicitly', () => {
    expect(resolveObservabilityOptions({ otelMetrics: false }).otelMetrics).toBe(false);
    const asked = { meterProvider: undefined, maxMessageTypes: 200, explicit: true };
    expect(resolveObservabilityOptions({ otelMetrics: true }).otelMetrics).toEqual(asked);
    expect(resolveObservabilityOptions({ otelMetrics: {} }).otelMetrics).toEqual(asked);
    expect(resolveObservabilityOptions({}).otelMetrics).toEqual({ ...asked, explicit: false });
  });

  it.each([
    [{ otelMetrics: 'yes' }, 'otelMetrics'],
    [{ otelMetrics: { meterProvider: {} } }, 'otelMetrics.meterProvider'],
    [{ otelMetrics: { maxMessageTypes: 0 } }, 'otelMetrics.maxMessageTypes'],
    [{ otelMetrics: { buckets: [1] } }, 'otelMetrics.buckets'],
  ])('rejects %j naming %s', async (options, option) => {
    await expect(
      createTestApp({ observabilityModule: CqrsObservabilityModule.forRoot(options as never) }),
    ).rejects.toThrow(`Invalid CqrsObservabilityModule option "${option}"`);
  });
});

describe('the README documents every OpenTelemetry metric name', () => {
  const readme = readFileSync(join(__dirname, '../../README.md'), 'utf8');
  const quoted = [
    ...Object.values(OtelMetricNames),
    ...Object.values(OtelMetricAttributes),
    ...Object.values(OtelOperationNames),
    OTEL_METER_NAME,
  ].map((name) => `\`${name}\``);
  it.each([...quoted, `[${OTEL_PROCESS_DURATION_BUCKETS.join(', ')}]`])('%s', (text) => {
    expect(readme).toContain(text);
  });
});
