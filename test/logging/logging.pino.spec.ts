import { context, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { BasicTracerProvider } from '@opentelemetry/sdk-trace-base';
import { CommandBus, EventBus, QueryBus } from '@nestjs/cqrs';
import type { TestingModule } from '@nestjs/testing';
import { LoggerModule } from 'nestjs-pino';
import type { CqrsObservabilityModuleOptions } from '../../lib';
import {
  CUSTOMER_HANDLERS,
  FindCustomerHandler,
  FindCustomerQuery,
  RegisterCustomerCommand,
} from '../fixtures/customers.fixture';
import {
  FailingEvent,
  GetOrderQuery,
  PlaceOrderCommand,
  PoisonEvent,
  Recorder,
} from '../fixtures/orders.fixture';
import { createTestApp, flush } from '../utils/create-app';
import { MemoryLogStream, PinoLevel } from './memory-log-stream';

// nestjs-pino keeps its out-of-request logger in a module-level variable: every app of this
// file shares the first one's destination, so they all share this stream.
const logs = new MemoryLogStream();

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('logging through nestjs-pino', () => {
  let app: TestingModule | undefined;

  async function start(observability: CqrsObservabilityModuleOptions = {}): Promise<TestingModule> {
    app = await createTestApp({
      observability: { tracing: false, metrics: false, sentry: false, ...observability },
      imports: [LoggerModule.forRoot({ pinoHttp: [{ level: 'debug' }, logs.stream] })],
      providers: CUSTOMER_HANDLERS,
    });
    logs.clear();
    return app;
  }

  afterEach(async () => {
    await app?.close();
    app = undefined;
  });

  it('writes one info line per command with the exact fields', async () => {
    const moduleRef = await start();
    const command = new PlaceOrderCommand({ sku: 'A-1', quantity: 2, mode: 'no-event' });

    const result = await moduleRef.get(CommandBus).execute(command);

    expect(result).toBe(moduleRef.get(Recorder).result);
    const lines = logs.where({ message_type: 'PlaceOrderCommand' });
    expect(lines).toHaveLength(1);
    const line = lines[0]!;
    expect(line).toEqual({
      level: PinoLevel.info,
      time: expect.any(Number),
      pid: expect.any(Number),
      hostname: expect.any(String),
      kind: 'command',
      message_type: 'PlaceOrderCommand',
      outcome: 'success',
      duration_ms: expect.any(Number),
      correlation_id: expect.stringMatching(UUID),
      message_id: command.requestId,
      handler: 'PlaceOrderHandler',
      msg: expect.stringMatching(/^command PlaceOrderCommand succeeded in \d+(\.\d{1,2})?ms$/),
    });
    expect(line.duration_ms).toBeGreaterThanOrEqual(0);
    expect(Math.round(line.duration_ms * 100) / 100).toBe(line.duration_ms);
    // Never the message object itself.
    expect(JSON.stringify(line)).not.toContain('A-1');
  });

  it('writes an info line per query', async () => {
    const moduleRef = await start();
    const query = new GetOrderQuery({ sku: 'Q-1' });

    await moduleRef.get(QueryBus).execute(query);

    expect(logs.where({ message_type: 'GetOrderQuery' })).toEqual([
      expect.objectContaining({
        level: PinoLevel.info,
        kind: 'query',
        outcome: 'success',
        message_id: query.requestId,
        handler: 'GetOrderHandler',
        msg: expect.stringMatching(/^query GetOrderQuery succeeded in /),
      }),
    ]);
  });

  it('logs a handler that throws synchronously at error and still throws synchronously', async () => {
    const moduleRef = await start();
    const recorder = moduleRef.get(Recorder);
    const command = new PlaceOrderCommand({ sku: 'A-1', quantity: 1, mode: 'sync-throw' });

    let thrown: unknown;
    try {
      // Not awaited: the bus throws before any promise exists, and so must the wrapped one.
      void moduleRef.get(CommandBus).execute(command);
    } catch (error) {
      thrown = error;
    }

    expect(thrown).toBe(recorder.syncError);
    const [line, ...others] = logs.where({ message_type: 'PlaceOrderCommand' });
    expect(others).toHaveLength(0);
    expect(line).toMatchObject({
      level: PinoLevel.error,
      kind: 'command',
      outcome: 'error',
      message_id: command.requestId,
      handler: 'PlaceOrderHandler',
      msg: expect.stringMatching(/^command PlaceOrderCommand failed in /),
    });
    expect(line!.err).toEqual({
      type: 'Error',
      message: 'sync failure',
      stack: recorder.syncError.stack,
    });
  });

  it('logs a rejected command at error and rejects with the same error', async () => {
    const moduleRef = await start();
    const recorder = moduleRef.get(Recorder);

    await expect(
      moduleRef
        .get(CommandBus)
        .execute(new PlaceOrderCommand({ sku: 'A-1', quantity: 1, mode: 'reject' })),
    ).rejects.toBe(recorder.asyncError);

    expect(logs.where({ message_type: 'PlaceOrderCommand' })).toEqual([
      expect.objectContaining({
        level: PinoLevel.error,
        outcome: 'error',
        err: { type: 'Error', message: 'async failure', stack: recorder.asyncError.stack },
      }),
    ]);
  });

  it('logs a failed query at error', async () => {
    const moduleRef = await start();

    await expect(
      moduleRef.get(QueryBus).execute(new FindCustomerQuery({ email: 'ada@example.com' })),
    ).rejects.toBe(FindCustomerHandler.error);

    expect(logs.where({ message_type: 'FindCustomerQuery' })).toEqual([
      expect.objectContaining({
        level: PinoLevel.error,
        kind: 'query',
        outcome: 'error',
        err: expect.objectContaining({ type: 'Error', message: 'customer lookup failed' }),
      }),
    ]);
  });

  it('logs at warn past slowThresholdMs', async () => {
    const moduleRef = await start({ logging: { slowThresholdMs: 0 } });

    await moduleRef.get(QueryBus).execute(new GetOrderQuery({ sku: 'S-1' }));

    expect(logs.where({ message_type: 'GetOrderQuery' })).toEqual([
      expect.objectContaining({
        level: PinoLevel.warn,
        outcome: 'success',
        msg: expect.stringMatching(/^query GetOrderQuery succeeded in .+ms, slower than 0ms$/),
      }),
    ]);
  });

  it('logs event handlers at debug, caused by the command, and their failures at error', async () => {
    const moduleRef = await start();
    const command = new PlaceOrderCommand({ sku: 'E-1', quantity: 1 });

    await moduleRef.get(CommandBus).execute(command);
    moduleRef.get(EventBus).publish(new FailingEvent({}));
    await flush();
    await flush();

    const [commandLine] = logs.where({ message_type: 'PlaceOrderCommand' });
    expect(logs.where({ message_type: 'OrderPlacedEvent' })).toEqual([
      expect.objectContaining({
        level: PinoLevel.debug,
        kind: 'event',
        outcome: 'success',
        handler: 'SendConfirmationHandler',
        correlation_id: commandLine!.correlation_id,
        causation_id: command.requestId,
        message_id: expect.stringMatching(UUID),
        duration_ms: expect.any(Number),
        msg: expect.stringMatching(
          /^event OrderPlacedEvent in SendConfirmationHandler succeeded in /,
        ),
      }),
    ]);
    expect(logs.where({ message_type: 'FailingEvent' })).toEqual([
      expect.objectContaining({
        level: PinoLevel.error,
        kind: 'event',
        outcome: 'error',
        handler: 'FailingEventHandler',
        err: expect.objectContaining({ message: 'event handler failure' }),
      }),
    ]);
    // The command the saga sends is logged like any command, in the same flow.
    expect(logs.where({ message_type: 'ReserveStockCommand' })).toEqual([
      expect.objectContaining({
        level: PinoLevel.info,
        correlation_id: commandLine!.correlation_id,
      }),
    ]);
  });

  it('writes no event handler lines with events: false', async () => {
    const moduleRef = await start({ logging: { events: false } });

    await moduleRef.get(CommandBus).execute(new PlaceOrderCommand({ sku: 'E-2', quantity: 1 }));
    await flush();

    expect(logs.where({ message_type: 'PlaceOrderCommand' })).toHaveLength(1);
    expect(logs.where({ kind: 'event' })).toEqual([]);
  });

  it('logs a dead saga at error', async () => {
    const moduleRef = await start();

    moduleRef.get(EventBus).publish(new PoisonEvent({}));
    await flush();

    expect(logs.where({ kind: 'saga' })).toEqual([
      expect.objectContaining({
        level: PinoLevel.error,
        message_type: 'OrderSaga',
        handler: 'OrderSaga',
        outcome: 'error',
        correlation_id: expect.stringMatching(UUID),
        err: expect.objectContaining({ type: 'Error', message: 'saga stream failure' }),
        msg: 'saga OrderSaga stream failed; the saga stopped',
      }),
    ]);
  });

  it('adds the redacted payload with payload: true', async () => {
    const moduleRef = await start({ logging: { payload: true } });
    const command = new RegisterCustomerCommand({ name: 'Ada', email: 'ada@example.com' });

    await moduleRef.get(CommandBus).execute(command);

    const [line] = logs.where({ message_type: 'RegisterCustomerCommand' });
    expect(line!.payload).toEqual({
      name: 'Ada',
      email: '***',
      requestId: command.requestId,
      requestedAt: command.requestedAt.toISOString(),
    });
    expect(JSON.stringify(logs.lines)).not.toContain('ada@example.com');
  });

  it('leaves the payload out by default', async () => {
    const moduleRef = await start();

    await moduleRef
      .get(CommandBus)
      .execute(new RegisterCustomerCommand({ name: 'Ada', email: 'ada@example.com' }));

    const [line] = logs.where({ message_type: 'RegisterCustomerCommand' });
    expect(line).toBeDefined();
    expect(line).not.toHaveProperty('payload');
    expect(JSON.stringify(logs.lines)).not.toContain('Ada');
  });

  it('writes nothing with logging: false', async () => {
    const moduleRef = await start({ logging: false });

    await moduleRef.get(CommandBus).execute(new PlaceOrderCommand({ sku: 'N-1', quantity: 1 }));
    await flush();

    expect(moduleRef.get(Recorder).calls).toContain('PlaceOrderHandler');
    expect(logs.lines).toEqual([]);
    // The guard: the app's pino logger does write to the stream the test reads.
    const { PinoLogger } = await import('nestjs-pino');
    (await moduleRef.resolve(PinoLogger)).logger.info('written by the test itself');
    expect(logs.lines.map((line) => line.msg)).toEqual(['written by the test itself']);
  });

  it('builds nothing for a line whose level is disabled', async () => {
    const moduleRef = await start({ logging: { payload: true } });
    // The out-of-request logger is the shared one of this file; raise its level for a moment.
    const { PinoLogger } = await import('nestjs-pino');
    const pinoLogger = await moduleRef.resolve(PinoLogger);
    let payloadReads = 0;
    // A GetOrderQuery whose `probe` field counts its reads (a constructed one is frozen).
    const probed = () =>
      Object.create(GetOrderQuery.prototype, {
        sku: { value: 'L-1', enumerable: true },
        probe: { enumerable: true, get: () => ++payloadReads },
      }) as GetOrderQuery;

    pinoLogger.logger.level = 'warn';
    try {
      await moduleRef.get(QueryBus).execute(probed());
    } finally {
      pinoLogger.logger.level = 'debug';
    }
    expect(logs.lines).toEqual([]);
    expect(payloadReads).toBe(0);

    await moduleRef.get(QueryBus).execute(probed());
    expect(logs.where({ message_type: 'GetOrderQuery' })).toEqual([
      expect.objectContaining({ payload: expect.objectContaining({ sku: 'L-1', probe: 1 }) }),
    ]);
    expect(payloadReads).toBe(1);
  });

  describe('inside an OpenTelemetry span', () => {
    const contextManager = new AsyncLocalStorageContextManager();
    const provider = new BasicTracerProvider();

    beforeAll(() => {
      context.setGlobalContextManager(contextManager.enable());
    });
    afterAll(async () => {
      context.disable();
      await provider.shutdown();
    });

    it('adds trace_id and span_id of the active span', async () => {
      const moduleRef = await start();
      const span = provider.getTracer('test').startSpan('request');

      await context.with(trace.setSpan(context.active(), span), () =>
        moduleRef.get(QueryBus).execute(new GetOrderQuery({ sku: 'T-1' })),
      );
      span.end();

      expect(logs.where({ message_type: 'GetOrderQuery' })).toEqual([
        expect.objectContaining({
          trace_id: span.spanContext().traceId,
          span_id: span.spanContext().spanId,
        }),
      ]);
    });
  });
});
