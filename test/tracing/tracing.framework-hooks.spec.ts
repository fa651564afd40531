import { CommandBus } from '@nestjs/cqrs';
import type { TestingModule } from '@nestjs/testing';
import { SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import {
  DEFAULT_FRAMEWORK_TRACE_OPERATIONS,
  HookRegistry,
  installFrameworkHooks,
  LoggingSpanFactory,
  ObservabilityInstrumentationHook,
  type CqrsObservabilityModuleOptions,
} from '../../lib';
import { PlaceOrderCommand } from '../fixtures/orders.fixture';
import { createTestApp, flush } from '../utils/create-app';
import { expectSdkRecords, spanNamed, startTracingSdk, type TracingSdk } from './tracing-sdk';

let sdk: TracingSdk;
beforeAll(() => {
  sdk = startTracingSdk();
});
afterAll(async () => {
  await sdk.shutdown();
});
beforeEach(() => sdk.exporter.reset());

const OTHER_SIGNALS_OFF: CqrsObservabilityModuleOptions = {
  metrics: false,
  logging: false,
  sentry: false,
};

describe('DEFAULT_FRAMEWORK_TRACE_OPERATIONS', () => {
  it("keeps the reference toolkit's 18 patterns, in order", () => {
    expect(DEFAULT_FRAMEWORK_TRACE_OPERATIONS).toEqual([
      'uow.*',
      'event.dispatch.*',
      'publisher.publish.*',
      'consumer.consume.*',
      'outbox.process_batch',
      'outbox.retry_failed',
      'outbox.save_events',
      'saga.run.*',
      'saga.recovery.*',
      'scheduler.dispatch.batch',
      'scheduler.worker.process',
      'event_sourcing.mediator.*',
      'persistence_orchestrator.orchestrate',
      'projection.process.*',
      'replay.start.*',
      'lock.acquire.*',
      'redis.lock.acquire.*',
      'redis.lock.release.*',
    ]);
    expect(Object.isFrozen(DEFAULT_FRAMEWORK_TRACE_OPERATIONS)).toBe(true);
  });
});

describe('installFrameworkHooks()', () => {
  let app: TestingModule;
  let registry: HookRegistry;

  beforeAll(async () => {
    app = await createTestApp({ observability: OTHER_SIGNALS_OFF });
    registry = app.get(HookRegistry);
  });
  afterAll(() => app.close());

  it('spans an operation after its name, with primitive attributes as strings and the outcome', async () => {
    const registration = installFrameworkHooks(registry);
    try {
      const result = { saved: 3 };
      await expect(
        registry.executeAll(
          'outbox.save_events',
          {
            correlation_id: 'c-1',
            count: 3,
            retry: false,
            big: BigInt(7),
            message: { secret: 'x' },
            error: new Error('old'),
            nested: { a: 1 },
            missing: undefined,
          },
          () => result,
        ),
      ).resolves.toBe(result);
      const span = spanNamed(sdk.exporter.getFinishedSpans(), 'outbox.save_events');
      expect(span.kind).toBe(SpanKind.INTERNAL);
      expect(span.attributes).toEqual({
        correlation_id: 'c-1',
        count: '3',
        retry: 'false',
        big: '7',
        outcome: 'success',
      });
    } finally {
      registration.unregister();
    }
  });

  it("records a failure and hands back the operation's own error, synchronous stays synchronous", async () => {
    const registration = installFrameworkHooks(registry);
    const failure = new RangeError('lock busy');
    try {
      expect(() =>
        registry.run({ operation: 'lock.acquire.orders', attributes: {} }, () => {
          throw failure;
        }),
      ).toThrow(failure);
      await expect(
        registry.executeAll('redis.lock.release.orders', {}, () => Promise.reject(failure)),
      ).rejects.toBe(failure);
      for (const name of ['lock.acquire.orders', 'redis.lock.release.orders']) {
        const span = spanNamed(sdk.exporter.getFinishedSpans(), name);
        expect(span.attributes.outcome).toBe('error');
        expect(span.attributes['error.type']).toBe('RangeError');
        expect(span.status).toEqual({ code: SpanStatusCode.ERROR, message: 'lock busy' });
        expect(span.events.filter((e) => e.name === 'exception')).toHaveLength(1);
      }
    } finally {
      registration.unregister();
    }
  });

  it('writes attributes and errors through the redaction policy', async () => {
    const registration = installFrameworkHooks(registry, { operations: ['billing.*'] });
    const failure = new Error('charge failed for ada@example.com with 4242 4242 4242 4242');
    try {
      await expect(
        registry.executeAll(
          'billing.charge',
          { apiKey: 'k-123', note: 'by ada@example.com', sku: 'A-1' },
          () => Promise.reject(failure),
        ),
      ).rejects.toBe(failure);
      const span = spanNamed(sdk.exporter.getFinishedSpans(), 'billing.charge');
      expect(span.attributes).toMatchObject({ apiKey: '***', note: 'by ***', sku: 'A-1' });
      expect(span.status.message).toBe('charge failed for *** with ***');
      const exception = span.events.find((e) => e.name === 'exception')!;
      expect(JSON.stringify(exception.attributes)).not.toMatch(/ada@|4242/);
      expect(exception.attributes!['exception.stacktrace']).toContain('charge failed for ***');
    } finally {
      registration.unregister();
    }
  });

  it('ignores operations outside its patterns and honours custom ones', async () => {
    const registration = installFrameworkHooks(registry, { operations: ['billing.*'] });
    try {
      await registry.executeAll('uow.commit', {}, () => undefined);
      await registry.executeAll('billing.charge', {}, () => undefined);
      expect(sdk.exporter.getFinishedSpans().map((s) => s.name)).toEqual(['billing.charge']);
      expect(registration.priority).toBe(-100);
    } finally {
      registration.unregister();
    }
  });

  it('makes its span the active one, so nested operations are its children', async () => {
    const registration = installFrameworkHooks(registry, { operations: ['uow.*', 'outbox.*'] });
    try {
      let activeInside: string | undefined;
      await registry.executeAll('uow.commit', {}, () =>
        registry.executeAll('outbox.save_events', {}, () => {
          activeInside = trace.getActiveSpan()?.spanContext().spanId;
        }),
      );
      const spans = sdk.exporter.getFinishedSpans();
      const uow = spanNamed(spans, 'uow.commit');
      const outbox = spanNamed(spans, 'outbox.save_events');
      expect(outbox.parentSpanContext?.spanId).toBe(uow.spanContext().spanId);
      expect(activeInside).toBe(outbox.spanContext().spanId);
    } finally {
      registration.unregister();
    }
  });

  it('makes no second span where the tracing interceptor already made one', async () => {
    const registration = installFrameworkHooks(registry, { operations: ['*'] });
    try {
      await app.get(CommandBus).execute(new PlaceOrderCommand({ sku: 'S', quantity: 1 }));
      await flush();
      const names = sdk.exporter
        .getFinishedSpans()
        .map((s) => s.name)
        .sort();
      expect(names).toEqual([
        'cqrs.PlaceOrderCommand',
        'cqrs.ReserveStockCommand',
        'event.dispatch.OrderPlacedEvent',
        'event.handler.OrderPlacedEvent.SendConfirmationHandler',
        'saga.run.OrderSaga',
      ]);
    } finally {
      registration.unregister();
    }
  });

  it('can be switched off through its registration', async () => {
    const registration = installFrameworkHooks(registry);
    registration.enabled = false;
    await registry.executeAll('uow.commit', {}, () => undefined);
    expect(sdk.exporter.getFinishedSpans()).toEqual([]);
    // The guard: switched back on, the same operation is spanned.
    registration.enabled = true;
    await registry.executeAll('uow.commit', {}, () => undefined);
    registration.unregister();
    expect(sdk.exporter.getFinishedSpans().map((span) => span.name)).toEqual(['uow.commit']);
  });

  it('writes through any span factory', async () => {
    const lines: string[] = [];
    const registration = installFrameworkHooks(registry, {
      spanFactory: new LoggingSpanFactory({ logger: { log: (line: string) => lines.push(line) } }),
    });
    try {
      await registry.executeAll('projection.process.orders', { batch: 2 }, () => undefined);
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(/^projection\.process\.orders \d+\.\d{2}ms outcome=success /);
      expect(lines[0]).toContain('"batch":"2"');
      expect(sdk.exporter.getFinishedSpans()).toEqual([]);
      expectSdkRecords(sdk);
    } finally {
      registration.unregister();
    }
  });
});

describe('installFrameworkHooks() in an app with its own span factory and redaction', () => {
  const lines: string[] = [];
  let app: TestingModule;
  beforeAll(async () => {
    app = await createTestApp({
      observability: {
        ...OTHER_SIGNALS_OFF,
        tracing: {
          spanFactory: new LoggingSpanFactory({
            logger: { log: (line: string) => lines.push(line) },
          }),
        },
        redaction: { extraSensitiveFields: ['warehouse'] },
      },
    });
  });
  afterAll(() => app.close());

  it("spans through the module's span factory and redaction policy unless given others", async () => {
    const registration = installFrameworkHooks(app.get(HookRegistry));
    try {
      await app
        .get(HookRegistry)
        .executeAll('outbox.save_events', { warehouse: 'north', count: 2 }, () => undefined);
    } finally {
      registration.unregister();
    }
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^outbox\.save_events \d+\.\d{2}ms outcome=success /);
    expect(lines[0]).toContain('"warehouse":"***"');
    expect(lines[0]).toContain('"count":"2"');
    // Nothing went to the OpenTelemetry SDK, which records spans started through the API.
    expect(sdk.exporter.getFinishedSpans()).toEqual([]);
    expectSdkRecords(sdk);
  });
});

describe('installFrameworkHooks() with the tracing signal off', () => {
  let app: TestingModule;
  beforeAll(async () => {
    app = await createTestApp({ observability: { ...OTHER_SIGNALS_OFF, tracing: false } });
  });
  afterAll(() => app.close());

  it('spans the default operations of the bus itself: event.dispatch.* and saga.run.*', async () => {
    const registration = installFrameworkHooks(app.get(HookRegistry));
    try {
      await app.get(CommandBus).execute(new PlaceOrderCommand({ sku: 'S', quantity: 1 }));
      await flush();
      const spans = sdk.exporter.getFinishedSpans();
      expect(spans.map((s) => s.name).sort()).toEqual([
        'event.dispatch.OrderPlacedEvent',
        'saga.run.OrderSaga',
      ]);
      const dispatch = spanNamed(spans, 'event.dispatch.OrderPlacedEvent');
      expect(dispatch.attributes).toMatchObject({
        kind: 'event',
        message_type: 'OrderPlacedEvent',
        'event.type': 'OrderPlacedEvent',
        outcome: 'success',
      });
      expect(dispatch.attributes).not.toHaveProperty('message');
      const saga = spanNamed(spans, 'saga.run.OrderSaga');
      expect(saga.attributes).toMatchObject({
        kind: 'saga',
        'saga.type': 'OrderSaga',
        outcome: 'success',
      });
    } finally {
      registration.unregister();
    }
  });

  it('can be registered by hand as a class-based interceptor', async () => {
    const registration = app
      .get(HookRegistry)
      .register(new ObservabilityInstrumentationHook(), { operations: ['replay.start.*'] });
    try {
      await app.get(HookRegistry).executeAll('replay.start.orders', { from: 0 }, () => 'ok');
      expect(spanNamed(sdk.exporter.getFinishedSpans(), 'replay.start.orders').attributes).toEqual({
        from: '0',
        outcome: 'success',
      });
    } finally {
      registration.unregister();
    }
  });
});
