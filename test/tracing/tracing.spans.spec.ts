import { createHash } from 'node:crypto';
import { CommandHandler, CommandBus, EventBus, QueryBus, type ICommandHandler } from '@nestjs/cqrs';
import type { TestingModule } from '@nestjs/testing';
import { SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import type { ReadableSpan, Span, SpanProcessor } from '@opentelemetry/sdk-trace-node';
import {
  BaseCommand,
  MESSAGING_SYSTEM,
  READ_TRACER_NAME,
  TraceAttribute,
  TracingAttributes as A,
  WRITE_TRACER_NAME,
} from '../../lib';
import {
  FailingEvent,
  GetOrderQuery,
  OrderPlacedEvent,
  PlaceOrderCommand,
  PlainCommand,
  Recorder,
  ReserveStockCommand,
  UnknownCommand,
} from '../fixtures/orders.fixture';
import { createTestApp, flush } from '../utils/create-app';
import { isChildOf, spanNamed, startTracingSdk, type TracingSdk } from './tracing-sdk';

class TagOrderCommand extends BaseCommand<string | undefined> {
  @TraceAttribute() declare readonly tenant: string;
  @TraceAttribute('app.customer_email') declare readonly email: string;
  declare readonly note: string;
}

@CommandHandler(TagOrderCommand)
class TagOrderHandler implements ICommandHandler<TagOrderCommand> {
  async execute(): Promise<string | undefined> {
    return trace.getActiveSpan()?.spanContext().spanId;
  }
}

const OTHER_SIGNALS_OFF = { metrics: false, logging: false, sentry: false } as const;

// One SDK for the whole file: the global tracer provider can be registered once.
/**
 * Counts spans as the SDK starts and ends them: the exporter only ever holds ended spans, so
 * only a processor sees a span that was started and never ended.
 */
class OpenSpanCounter implements SpanProcessor {
  readonly open = new Map<string, string>();
  started = 0;
  onStart(span: Span): void {
    this.started++;
    this.open.set(span.spanContext().spanId, span.name);
  }
  onEnd(span: ReadableSpan): void {
    this.open.delete(span.spanContext().spanId);
  }
  forceFlush(): Promise<void> {
    return Promise.resolve();
  }
  shutdown(): Promise<void> {
    return Promise.resolve();
  }
}

const openSpans = new OpenSpanCounter();
let sdk: TracingSdk;
beforeAll(() => {
  sdk = startTracingSdk({ spanProcessors: [openSpans] });
});
afterAll(async () => {
  await sdk.shutdown();
});
beforeEach(() => sdk.exporter.reset());

describe('tracing: spans of commands, queries, events, handlers and sagas', () => {
  let app: TestingModule;
  let recorder: Recorder;

  beforeAll(async () => {
    app = await createTestApp({ observability: OTHER_SIGNALS_OFF, providers: [TagOrderHandler] });
    recorder = app.get(Recorder);
  });

  afterAll(async () => {
    await app.close();
  });

  const finished = (): ReadableSpan[] => sdk.exporter.getFinishedSpans();

  async function placeOrder(props: Partial<PlaceOrderCommand> = {}) {
    const command = new PlaceOrderCommand({ sku: 'SKU-1', quantity: 2, ...props });
    const result = await app.get(CommandBus).execute(command);
    await flush();
    return { command, result };
  }

  it('makes command → event → handler / saga → command one trace, with each parent in place', async () => {
    await placeOrder();
    const spans = finished();
    const command = spanNamed(spans, 'cqrs.PlaceOrderCommand');
    const dispatch = spanNamed(spans, 'event.dispatch.OrderPlacedEvent');
    const handler = spanNamed(spans, 'event.handler.OrderPlacedEvent.SendConfirmationHandler');
    const saga = spanNamed(spans, 'saga.run.OrderSaga');
    const reserve = spanNamed(spans, 'cqrs.ReserveStockCommand');

    expect(command.parentSpanContext).toBeUndefined();
    expect(isChildOf(dispatch, command)).toBe(true);
    expect(isChildOf(handler, dispatch)).toBe(true);
    expect(isChildOf(saga, dispatch)).toBe(true);
    expect(isChildOf(reserve, saga)).toBe(true);
    expect(new Set(spans.map((s) => s.spanContext().traceId)).size).toBe(1);
    expect(spans).toHaveLength(5);

    expect(command.kind).toBe(SpanKind.INTERNAL);
    expect(dispatch.kind).toBe(SpanKind.PRODUCER);
    expect(handler.kind).toBe(SpanKind.CONSUMER);
    expect(saga.kind).toBe(SpanKind.INTERNAL);
    expect(reserve.kind).toBe(SpanKind.INTERNAL);
  });

  it('writes the command attributes: kind, type, ids, handler, outcome and messaging conventions', async () => {
    const { command } = await placeOrder({ requestedBy: 'user-42' });
    const span = spanNamed(finished(), 'cqrs.PlaceOrderCommand');
    const correlationId = span.attributes[A.CORRELATION_ID];
    expect(typeof correlationId).toBe('string');
    expect(span.attributes).toEqual({
      [A.KIND]: 'command',
      [A.COMMAND_TYPE]: 'PlaceOrderCommand',
      [A.MESSAGE_ID]: command.requestId,
      [A.CORRELATION_ID]: correlationId,
      [A.HANDLER]: 'PlaceOrderHandler',
      [A.OUTCOME]: 'success',
      [A.REQUESTED_AT]: command.requestedAt.toISOString(),
      [A.MESSAGE_NAME]: 'PlaceOrderCommand',
      [A.MESSAGE_TYPE]: 'PlaceOrderCommand',
      [A.PAYLOAD_TYPE]: 'PlaceOrderCommand',
      [A.PAYLOAD_PRESENT]: true,
      [A.PAYLOAD_TRUNCATED]: false,
      [A.PAYLOAD_SIZE]: expect.any(Number),
      [A.MESSAGING_SYSTEM]: MESSAGING_SYSTEM,
      [A.MESSAGING_OPERATION_TYPE]: 'process',
      [A.MESSAGING_DESTINATION_NAME]: 'PlaceOrderCommand',
      [A.MESSAGING_MESSAGE_ID]: command.requestId,
      [A.MESSAGING_CONVERSATION_ID]: correlationId,
    });
    // A top-level command has no causation id, and requestedBy is personal data: off by default.
    expect(span.attributes).not.toHaveProperty(A.CAUSATION_ID);
    expect(span.attributes).not.toHaveProperty(A.REQUESTED_BY);
    expect(span.status.code).toBe(SpanStatusCode.UNSET);
    expect(span.instrumentationScope.name).toBe(WRITE_TRACER_NAME);
  });

  it('writes event, handler and saga attributes with the causation chain', async () => {
    const { command } = await placeOrder({ correlationId: 'flow-7' });
    const spans = finished();
    const dispatch = spanNamed(spans, 'event.dispatch.OrderPlacedEvent');
    const handler = spanNamed(spans, 'event.handler.OrderPlacedEvent.SendConfirmationHandler');
    const saga = spanNamed(spans, 'saga.run.OrderSaga');
    const reserve = spanNamed(spans, 'cqrs.ReserveStockCommand');
    const eventId = dispatch.attributes[A.MESSAGE_ID];

    expect(dispatch.attributes).toMatchObject({
      [A.KIND]: 'event',
      [A.COMMAND_TYPE]: 'OrderPlacedEvent',
      [A.CORRELATION_ID]: 'flow-7',
      [A.CAUSATION_ID]: command.requestId,
      [A.OUTCOME]: 'success',
      [A.MESSAGING_OPERATION_TYPE]: 'send',
      [A.MESSAGING_DESTINATION_NAME]: 'OrderPlacedEvent',
      [A.MESSAGING_MESSAGE_ID]: eventId,
      [A.MESSAGING_CONVERSATION_ID]: 'flow-7',
      [A.MESSAGE_TYPE]: 'OrderPlacedEvent',
    });
    expect(dispatch.attributes).not.toHaveProperty(A.HANDLER);
    // Events carry no payload event: the payload signal is for commands and queries.
    expect(dispatch.events).toEqual([]);

    expect(handler.attributes).toMatchObject({
      [A.KIND]: 'event',
      [A.COMMAND_TYPE]: 'OrderPlacedEvent',
      [A.HANDLER]: 'SendConfirmationHandler',
      [A.MESSAGE_ID]: eventId,
      [A.CAUSATION_ID]: command.requestId,
      [A.CORRELATION_ID]: 'flow-7',
      [A.OUTCOME]: 'success',
      [A.MESSAGING_OPERATION_TYPE]: 'process',
      [A.MESSAGING_DESTINATION_NAME]: 'OrderPlacedEvent',
    });

    expect(saga.attributes).toMatchObject({
      [A.KIND]: 'saga',
      [A.COMMAND_TYPE]: 'ReserveStockCommand',
      [A.HANDLER]: 'OrderSaga',
      [A.CAUSATION_ID]: eventId,
      [A.CORRELATION_ID]: 'flow-7',
      [A.OUTCOME]: 'success',
      [A.MESSAGING_OPERATION_TYPE]: 'process',
      [A.MESSAGING_DESTINATION_NAME]: 'ReserveStockCommand',
      [A.MESSAGE_TYPE]: 'ReserveStockCommand',
      [A.MESSAGE_NAME]: 'ReserveStockCommand',
    });
    expect(reserve.attributes).toMatchObject({
      [A.KIND]: 'command',
      [A.COMMAND_TYPE]: 'ReserveStockCommand',
      [A.HANDLER]: 'ReserveStockHandler',
      [A.MESSAGE_ID]: saga.attributes[A.MESSAGE_ID],
      [A.CAUSATION_ID]: eventId,
      [A.CORRELATION_ID]: 'flow-7',
    });
  });

  it('traces queries with the cqrs.read tracer', async () => {
    const query = new GetOrderQuery({ sku: 'SKU-9' });
    await expect(app.get(QueryBus).execute(query)).resolves.toEqual({ sku: 'SKU-9' });
    const span = spanNamed(finished(), 'cqrs.GetOrderQuery');
    expect(span.instrumentationScope.name).toBe(READ_TRACER_NAME);
    expect(span.kind).toBe(SpanKind.INTERNAL);
    expect(span.attributes).toMatchObject({
      [A.KIND]: 'query',
      [A.COMMAND_TYPE]: 'GetOrderQuery',
      [A.HANDLER]: 'GetOrderHandler',
      [A.MESSAGE_ID]: query.requestId,
      [A.REQUESTED_AT]: query.requestedAt.toISOString(),
      [A.MESSAGE_TYPE]: 'GetOrderQuery',
      [A.OUTCOME]: 'success',
      [A.MESSAGING_OPERATION_TYPE]: 'process',
    });
  });

  it('traces plain class messages too', async () => {
    await expect(app.get(CommandBus).execute(new PlainCommand('v'))).resolves.toBe('v');
    const span = spanNamed(finished(), 'cqrs.PlainCommand');
    expect(span.attributes).toMatchObject({
      [A.KIND]: 'command',
      [A.MESSAGE_TYPE]: 'PlainCommand',
      [A.COMMAND_TYPE]: 'PlainCommand',
      [A.OUTCOME]: 'success',
    });
    expect(span.attributes).not.toHaveProperty(A.REQUESTED_AT);
  });

  it('keeps a synchronous throw synchronous and records it once', () => {
    const command = new PlaceOrderCommand({ sku: 'S', quantity: 1, mode: 'sync-throw' });
    let thrown: unknown;
    let returned: unknown;
    try {
      returned = app.get(CommandBus).execute(command);
    } catch (error) {
      thrown = error;
    }
    expect(returned).toBeUndefined();
    expect(thrown).toBe(recorder.syncError);
    const span = spanNamed(finished(), 'cqrs.PlaceOrderCommand');
    expect(span.ended).toBe(true);
    expect(span.status).toEqual({ code: SpanStatusCode.ERROR, message: 'sync failure' });
    expect(span.attributes[A.OUTCOME]).toBe('error');
    expect(span.attributes[A.ERROR_TYPE]).toBe('Error');
    const exceptions = span.events.filter((e) => e.name === 'exception');
    expect(exceptions).toHaveLength(1);
    expect(exceptions[0]!.attributes).toMatchObject({
      'exception.type': 'Error',
      'exception.message': 'sync failure',
    });
  });

  it('rejects with the very same error and ends the span', async () => {
    const command = new PlaceOrderCommand({ sku: 'S', quantity: 1, mode: 'reject' });
    await expect(app.get(CommandBus).execute(command)).rejects.toBe(recorder.asyncError);
    const span = spanNamed(finished(), 'cqrs.PlaceOrderCommand');
    expect(span.status).toEqual({ code: SpanStatusCode.ERROR, message: 'async failure' });
    expect(span.attributes[A.OUTCOME]).toBe('error');
    expect(span.events.filter((e) => e.name === 'exception')).toHaveLength(1);
  });

  it('names the error class in error.type (unknown command, thrown synchronously by the bus)', () => {
    let thrown: unknown;
    try {
      void app.get(CommandBus).execute(new UnknownCommand());
    } catch (error) {
      thrown = error;
    }
    expect((thrown as Error).constructor.name).toBe('CommandHandlerNotFoundException');
    const span = spanNamed(finished(), 'cqrs.UnknownCommand');
    expect(span.attributes[A.ERROR_TYPE]).toBe('CommandHandlerNotFoundException');
    expect(span.attributes).not.toHaveProperty(A.HANDLER);
    expect(span.status.code).toBe(SpanStatusCode.ERROR);
  });

  it('observes a failing event handler on its span, while the publish span succeeds', async () => {
    app.get(EventBus).publish(new FailingEvent());
    await flush();
    const spans = finished();
    const dispatch = spanNamed(spans, 'event.dispatch.FailingEvent');
    const handler = spanNamed(spans, 'event.handler.FailingEvent.FailingEventHandler');
    expect(dispatch.attributes[A.OUTCOME]).toBe('success');
    expect(handler.attributes[A.OUTCOME]).toBe('error');
    expect(handler.status).toEqual({
      code: SpanStatusCode.ERROR,
      message: 'event handler failure',
    });
    expect(handler.events.filter((e) => e.name === 'exception')).toHaveLength(1);
    expect(isChildOf(handler, dispatch)).toBe(true);
  });

  it('makes the command span the active one inside the handler', async () => {
    const activeSpanId = await app
      .get(CommandBus)
      .execute(new TagOrderCommand({ tenant: 't-1', email: 'ada@example.com', note: 'n' }));
    const span = spanNamed(finished(), 'cqrs.TagOrderCommand');
    expect(activeSpanId).toBe(span.spanContext().spanId);
  });

  it('copies @TraceAttribute() fields, redacted by the policy', async () => {
    await app
      .get(CommandBus)
      .execute(new TagOrderCommand({ tenant: 't-1', email: 'ada@example.com', note: 'n' }));
    const span = spanNamed(finished(), 'cqrs.TagOrderCommand');
    expect(span.attributes['cqrs.message.tenant']).toBe('t-1');
    expect(span.attributes['app.customer_email']).toBe('***');
    expect(span.attributes).not.toHaveProperty('cqrs.message.note');
  });

  it('nests a command under the span that is active when it is dispatched', async () => {
    await trace.getTracer('test').startActiveSpan('http-request', async (active) => {
      await app.get(CommandBus).execute(new ReserveStockCommand({ sku: 'X' }));
      active.end();
    });
    const spans = finished();
    const command = spanNamed(spans, 'cqrs.ReserveStockCommand');
    expect(isChildOf(command, spanNamed(spans, 'http-request'))).toBe(true);
  });

  it('ends every span it starts, on success, rejection, synchronous throw and publish', async () => {
    const startedBefore = openSpans.started;
    expect([...openSpans.open.values()]).toEqual([]);
    await placeOrder();
    await placeOrder({ mode: 'reject' }).catch(() => undefined);
    expect(() =>
      app
        .get(CommandBus)
        .execute(new PlaceOrderCommand({ sku: 'SKU-1', quantity: 2, mode: 'sync-throw' })),
    ).toThrow();
    app.get(EventBus).publish(new OrderPlacedEvent({ sku: 'direct' }));
    app.get(EventBus).publish(new FailingEvent({}));
    await flush();
    // The guard: the scenarios above did start spans (a command, its events, their handlers).
    expect(openSpans.started - startedBefore).toBeGreaterThanOrEqual(10);
    expect([...openSpans.open.values()]).toEqual([]);
  });
});

describe('tracing: recordRequestedBy', () => {
  let app: TestingModule;

  afterEach(async () => {
    await app.close();
  });

  it('writes cqrs.requested_by, hashed as a personal field, when turned on', async () => {
    app = await createTestApp({
      observability: { ...OTHER_SIGNALS_OFF, tracing: { recordRequestedBy: true } },
    });
    const command = new PlaceOrderCommand({ sku: 'S', quantity: 1, requestedBy: 'user-42' });
    await app.get(CommandBus).execute(command);
    const span = spanNamed(sdk.exporter.getFinishedSpans(), 'cqrs.PlaceOrderCommand');
    expect(span.attributes[A.REQUESTED_BY]).toBe(
      `sha256:${createHash('sha256').update('user-42').digest('hex')}`,
    );
    expect(span.attributes[A.REQUESTED_AT]).toBe(command.requestedAt.toISOString());
  });

  it('writes it in clear when redaction.clearFields lists it', async () => {
    app = await createTestApp({
      observability: {
        ...OTHER_SIGNALS_OFF,
        tracing: { recordRequestedBy: true },
        redaction: { clearFields: ['requestedBy'] },
      },
    });
    sdk.exporter.reset();
    await app
      .get(CommandBus)
      .execute(new PlaceOrderCommand({ sku: 'S', quantity: 1, requestedBy: 'user-42' }));
    const span = spanNamed(sdk.exporter.getFinishedSpans(), 'cqrs.PlaceOrderCommand');
    expect(span.attributes[A.REQUESTED_BY]).toBe('user-42');
  });
});

describe('tracing next to every other signal (module defaults)', () => {
  let app: TestingModule;

  beforeAll(async () => {
    app = await createTestApp({});
  });

  afterAll(async () => {
    await app.close();
  });

  it('produces the same one-trace tree and results', async () => {
    const recorder = app.get(Recorder);
    await expect(
      app.get(CommandBus).execute(new PlaceOrderCommand({ sku: 'S', quantity: 1 })),
    ).resolves.toBe(recorder.result);
    await flush();
    const spans = sdk.exporter.getFinishedSpans();
    expect(spans.map((s) => s.name).sort()).toEqual([
      'cqrs.PlaceOrderCommand',
      'cqrs.ReserveStockCommand',
      'event.dispatch.OrderPlacedEvent',
      'event.handler.OrderPlacedEvent.SendConfirmationHandler',
      'saga.run.OrderSaga',
    ]);
    expect(new Set(spans.map((s) => s.spanContext().traceId)).size).toBe(1);
    expect(
      isChildOf(
        spanNamed(spans, 'cqrs.ReserveStockCommand'),
        spanNamed(spans, 'saga.run.OrderSaga'),
      ),
    ).toBe(true);
  });
});
