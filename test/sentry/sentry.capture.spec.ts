import { HttpException } from '@nestjs/common';
import { CommandBus, CqrsModule, EventBus, QueryBus } from '@nestjs/cqrs';
import { Test, type TestingModule } from '@nestjs/testing';
import { trace } from '@opentelemetry/api';
import * as Sentry from '@sentry/nestjs';
import {
  CqrsObservabilityModule,
  type CqrsObservabilityModuleOptions,
  defaultShouldCapture,
  type SentryCaptureContext,
} from '../../lib';
import { FAILURE_REPORTER } from '../../lib/cqrs-observability.internal-constants';
import { FailureReporter } from '../../lib/errors/failure-reporter';
import {
  CUSTOMER_HANDLERS,
  FindCustomerHandler,
  FindCustomerQuery,
} from '../fixtures/customers.fixture';
import {
  FailingEvent,
  GetOrderQuery,
  ORDER_HANDLERS,
  PlaceOrderCommand,
  PoisonEvent,
  Recorder,
} from '../fixtures/orders.fixture';
import { flush } from '../utils/create-app';
import { RecordingTransport, type SentryEvent, sentryTestOptions } from './recording-transport';
import {
  ChargeCardCommand,
  LookupMissedEvent,
  RelayFailureEvent,
  SelfReportedCommand,
  SelfReportedHandler,
  SENTRY_FIXTURE_HANDLERS,
} from './sentry.fixture';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('Sentry', () => {
  const transport = new RecordingTransport();
  const warnings: string[] = [];
  let app: TestingModule | undefined;

  beforeAll(() => {
    Sentry.init(sentryTestOptions(transport));
  });
  afterAll(() => Sentry.close(2000));

  beforeEach(() => {
    transport.clear();
    warnings.length = 0;
  });
  afterEach(async () => {
    await app?.close();
    app = undefined;
  });

  async function start(observability: CqrsObservabilityModuleOptions = {}): Promise<TestingModule> {
    app = await Test.createTestingModule({
      imports: [
        CqrsModule.forRoot(),
        CqrsObservabilityModule.forRoot({
          tracing: false,
          metrics: false,
          logging: false,
          ...observability,
        }),
      ],
      providers: [...ORDER_HANDLERS, ...CUSTOMER_HANDLERS, ...SENTRY_FIXTURE_HANDLERS],
    })
      .overrideProvider(FAILURE_REPORTER)
      .useValue(new FailureReporter({ warn: (message: string) => warnings.push(message) }))
      .compile();
    await app.init();
    return app;
  }

  /** Error events sent once everything pending has settled. */
  async function sentEvents(): Promise<SentryEvent[]> {
    await flush();
    await flush();
    await Sentry.flush(2000);
    return transport.events();
  }

  it('captures a failed command once, with tags, context and redacted payload', async () => {
    const moduleRef = await start();
    const recorder = moduleRef.get(Recorder);
    const command = new PlaceOrderCommand({ sku: 'A-1', quantity: 2, mode: 'sync-throw' });

    expect(() => moduleRef.get(CommandBus).execute(command)).toThrow(recorder.syncError);

    const events = await sentEvents();
    expect(events).toHaveLength(1);
    const event = events[0]!;
    expect(event.exception.values[0]).toMatchObject({
      type: 'Error',
      value: 'sync failure',
      mechanism: { type: 'auto.function.nestjs.cqrs', handled: false },
    });
    expect(event.tags).toEqual({
      'cqrs.message_type': 'PlaceOrderCommand',
      'cqrs.kind': 'command',
      correlation_id: expect.stringMatching(UUID),
    });
    expect(event.contexts.cqrs).toEqual({
      operation: 'command.execute.PlaceOrderCommand',
      message_id: command.requestId,
      correlation_id: event.tags.correlation_id,
      handler: 'PlaceOrderHandler',
      payload: {
        sku: 'A-1',
        quantity: 2,
        mode: 'sync-throw',
        requestId: command.requestId,
        requestedAt: command.requestedAt.toISOString(),
      },
    });
  });

  it('captures a rejected command and hands the same error back', async () => {
    const moduleRef = await start();
    const recorder = moduleRef.get(Recorder);

    await expect(
      moduleRef
        .get(CommandBus)
        .execute(new PlaceOrderCommand({ sku: 'A-2', quantity: 1, mode: 'reject' })),
    ).rejects.toBe(recorder.asyncError);

    const events = await sentEvents();
    expect(events.map((e) => e.exception.values[0].value)).toEqual(['async failure']);
  });

  it('redacts sensitive fields of the payload', async () => {
    const moduleRef = await start();
    const query = new FindCustomerQuery({ email: 'ada@example.com' });

    await expect(moduleRef.get(QueryBus).execute(query)).rejects.toBe(FindCustomerHandler.error);

    const events = await sentEvents();
    expect(events).toHaveLength(1);
    expect(events[0]!.tags).toMatchObject({
      'cqrs.kind': 'query',
      'cqrs.message_type': 'FindCustomerQuery',
    });
    expect(events[0]!.contexts.cqrs.payload).toEqual({
      email: '***',
      requestId: query.requestId,
      requestedAt: query.requestedAt.toISOString(),
    });
    expect(JSON.stringify(transport.envelopes)).not.toContain('ada@example.com');
  });

  it('sends nothing for successes', async () => {
    const moduleRef = await start();

    await moduleRef.get(CommandBus).execute(new PlaceOrderCommand({ sku: 'OK-1', quantity: 1 }));
    await moduleRef.get(QueryBus).execute(new GetOrderQuery({ sku: 'OK-1' }));

    expect(await sentEvents()).toEqual([]);
    expect(transport.requests).toBe(0);
    // The guard: the same app does send a failure.
    await moduleRef
      .get(CommandBus)
      .execute(new PlaceOrderCommand({ sku: 'OK-1', quantity: 1, mode: 'reject' }))
      .catch(() => undefined);
    expect(await sentEvents()).toHaveLength(1);
  });

  it('captures a failed event handler once, though the EventBus also reports it as unhandled', async () => {
    const moduleRef = await start();
    const event = new FailingEvent({});

    moduleRef.get(EventBus).publish(event);

    const events = await sentEvents();
    expect(events).toHaveLength(1);
    expect(events[0]!.exception.values[0].value).toBe('event handler failure');
    expect(events[0]!.tags).toMatchObject({
      'cqrs.kind': 'event',
      'cqrs.message_type': 'FailingEvent',
    });
    expect(events[0]!.contexts.cqrs).toMatchObject({
      operation: 'event.handler.FailingEvent.FailingEventHandler',
      message_id: event.eventId,
      handler: 'FailingEventHandler',
      payload: { eventId: event.eventId, occurredAt: event.occurredAt.toISOString() },
    });
  });

  it('captures a dead saga once', async () => {
    const moduleRef = await start();

    moduleRef.get(EventBus).publish(new PoisonEvent({}));

    const events = await sentEvents();
    expect(events).toHaveLength(1);
    expect(events[0]!.exception.values[0].value).toBe('saga stream failure');
    expect(events[0]!.tags).toEqual({ 'cqrs.message_type': 'OrderSaga', 'cqrs.kind': 'saga' });
    expect(events[0]!.contexts.cqrs).toEqual({
      operation: 'saga.error.OrderSaga',
      handler: 'OrderSaga',
    });
  });

  it('captures an error crossing two operations once, where it was thrown', async () => {
    const moduleRef = await start();
    const event = new RelayFailureEvent({});

    moduleRef.get(EventBus).publish(event);

    const events = await sentEvents();
    expect(events).toHaveLength(1);
    expect(events[0]!.exception.values[0].value).toBe('async failure');
    expect(events[0]!.tags).toEqual({
      'cqrs.message_type': 'PlaceOrderCommand',
      'cqrs.kind': 'command',
      correlation_id: expect.stringMatching(UUID),
      causation_id: event.eventId,
    });
  });

  it('does not send again what the application captured itself', async () => {
    const moduleRef = await start();

    await expect(moduleRef.get(CommandBus).execute(new SelfReportedCommand({}))).rejects.toBe(
      SelfReportedHandler.error,
    );

    const events = await sentEvents();
    expect(events).toHaveLength(1);
    expect(events[0]!.contexts).not.toHaveProperty('cqrs');
  });

  it('links the event to the active OpenTelemetry trace when Sentry owns the tracer', async () => {
    const moduleRef = await start();
    let traceId = '';

    await trace.getTracer('test').startActiveSpan('POST /orders', async (span) => {
      traceId = span.spanContext().traceId;
      await moduleRef
        .get(CommandBus)
        .execute(new PlaceOrderCommand({ sku: 'T-1', quantity: 1, mode: 'reject' }))
        .catch(() => undefined);
      span.end();
    });

    const events = await sentEvents();
    expect(traceId).toMatch(/^[0-9a-f]{32}$/);
    expect(events[0]!.contexts.trace.trace_id).toBe(traceId);
  });

  describe('shouldCapture', () => {
    async function charge(moduleRef: TestingModule, status: number): Promise<unknown> {
      return moduleRef
        .get(CommandBus)
        .execute(new ChargeCardCommand({ status }))
        .catch((error: unknown) => error);
    }

    it('skips HttpExceptions below 500 by default and captures 5xx ones', async () => {
      const moduleRef = await start();

      const badRequest = await charge(moduleRef, 400);
      const serverError = await charge(moduleRef, 503);

      expect(badRequest).toBeInstanceOf(HttpException);
      expect((badRequest as HttpException).getStatus()).toBe(400);
      expect((serverError as HttpException).getStatus()).toBe(503);
      const events = await sentEvents();
      expect(events.map((e) => e.exception.values[0].value)).toEqual(['card declined (503)']);
    });

    it('keeps a declined event handler error declined when it reaches the UnhandledExceptionBus', async () => {
      const judged: string[] = [];
      const moduleRef = await start({
        sentry: {
          shouldCapture: (_error, { operation }) => {
            judged.push(operation);
            return !operation.startsWith('event.handler.');
          },
        },
      });

      moduleRef.get(EventBus).publish(new FailingEvent({}));
      moduleRef.get(EventBus).publish(new LookupMissedEvent({}));

      expect(await sentEvents()).toEqual([]);
      // Judged once each, by the handler's operation; the unhandled-exception notices that
      // follow do not reopen the case.
      expect(judged).toEqual([
        'event.handler.FailingEvent.FailingEventHandler',
        'event.handler.LookupMissedEvent.LookupMissedHandler',
      ]);
    });

    it('uses the given predicate instead', async () => {
      const seen: SentryCaptureContext[] = [];
      const moduleRef = await start({
        sentry: {
          shouldCapture: (error, context) => {
            seen.push(context);
            return error instanceof HttpException && error.getStatus() === 402;
          },
        },
      });

      await charge(moduleRef, 402);
      await charge(moduleRef, 500);

      const events = await sentEvents();
      expect(events.map((e) => e.exception.values[0].value)).toEqual(['card declined (402)']);
      expect(seen.map((c) => c.operation)).toEqual([
        'command.execute.ChargeCardCommand',
        'command.execute.ChargeCardCommand',
      ]);
      expect(seen[0]!.attributes).toMatchObject({
        kind: 'command',
        message_type: 'ChargeCardCommand',
      });
    });

    it('captures, and reports the predicate, when the predicate throws', async () => {
      const moduleRef = await start({
        sentry: {
          shouldCapture: () => {
            throw new TypeError('predicate bug');
          },
        },
      });

      const error = await charge(moduleRef, 400);

      expect(error).toBeInstanceOf(HttpException);
      expect((await sentEvents()).map((e) => e.exception.values[0].value)).toEqual([
        'card declined (400)',
      ]);
      expect(warnings).toEqual(['sentry.shouldCapture failed: TypeError: predicate bug']);
    });

    it('is composable from defaultShouldCapture', () => {
      expect(defaultShouldCapture(new HttpException('x', 404))).toBe(false);
      expect(defaultShouldCapture(new HttpException('x', 500))).toBe(true);
      expect(defaultShouldCapture(new Error('x'))).toBe(true);
      expect(defaultShouldCapture('a string')).toBe(true);
    });
  });

  it('sends nothing with sentry: false', async () => {
    const moduleRef = await start({ sentry: false });

    await moduleRef
      .get(CommandBus)
      .execute(new PlaceOrderCommand({ sku: 'F-1', quantity: 1, mode: 'reject' }))
      .catch(() => undefined);

    expect(await sentEvents()).toEqual([]);
    // The guard: Sentry itself is live and sends what it is given.
    Sentry.captureException(new Error('sent by the test itself'));
    expect((await sentEvents()).map((e) => e.exception.values[0].value)).toEqual([
      'sent by the test itself',
    ]);
  });
});
