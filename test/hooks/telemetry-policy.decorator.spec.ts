import { CommandBus, EventBus, QueryBus } from '@nestjs/cqrs';
import { trace } from '@opentelemetry/api';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-node';
import { trackFlow } from '../../lib';
import { AllSinks } from '../e2e/all-sinks.harness';
import { ORDER_HANDLERS, PlaceOrderCommand } from '../fixtures/orders.fixture';
import {
  CacheWarmedEvent,
  HeartbeatHandler,
  HeartbeatQuery,
  PingCommand,
  PingHandler,
  QuickCommand,
  ReportReadyEvent,
  ReserveSeatCommand,
  ReserveSeatHandler,
  StockLevelQuery,
  StoreNoteCommand,
  StoreNoteHandler,
  StorePinCommand,
  StorePinHandler,
  TELEMETRY_FIXTURE_HANDLERS,
  TickCommand,
  TickHandler,
} from '../fixtures/telemetry.fixture';
import { PinoLevel } from '../logging/memory-log-stream';
import { samplesOf } from '../metrics/prometheus-text';
import { isChildOf, spanNamed } from '../tracing/tracing-sdk';

/**
 * `@CqrsTelemetry()` on message and handler classes, through the real CqrsModule and every
 * real sink: each field turns exactly its signal off (or sets exactly its setting) for that
 * type, the others keep working, and the caller gets the handler's own result or error.
 */
describe('@CqrsTelemetry on message and handler classes', () => {
  const sinks = new AllSinks();
  let commandBus: CommandBus;
  let queryBus: QueryBus;

  beforeAll(async () => {
    const app = await sinks.start([...ORDER_HANDLERS, ...TELEMETRY_FIXTURE_HANDLERS]);
    commandBus = app.get(CommandBus);
    queryBus = app.get(QueryBus);
  });
  afterAll(() => sinks.stop());
  beforeEach(() => {
    sinks.resetSpans();
    sinks.logs.clear();
    sinks.transport.clear();
  });

  const spanNames = () => sinks.spans().map((span) => span.name);
  const linesOf = (type: string) => sinks.logs.where({ message_type: type });

  describe('tracing: false', () => {
    it('makes no span for the type; what it dispatches nests under the span around it', async () => {
      const tracer = trace.getTracer('test');
      const flow = await trackFlow(sinks.app!, () =>
        tracer.startActiveSpan('request', async (request) => {
          try {
            return await commandBus.execute(new TickCommand({}));
          } finally {
            request.end();
          }
        }),
      );
      expect(flow.result).toBe('ticked');
      const spans = sinks.spans();
      expect(spanNames()).not.toContain('cqrs.TickCommand');
      const request = spanNamed(spans, 'request');
      // One level shorter, still one trace: the command's children hang on the caller's span.
      expect(isChildOf(spanNamed(spans, 'cqrs.ReserveStockCommand'), request)).toBe(true);
      const dispatch = spanNamed(spans, 'event.dispatch.TickedEvent');
      expect(isChildOf(dispatch, request)).toBe(true);
      expect(isChildOf(spanNamed(spans, 'event.handler.TickedEvent.TickedHandler'), dispatch)).toBe(
        true,
      );
      // Its other signals are untouched.
      expect(linesOf('TickCommand')).toHaveLength(1);
      expect(
        samplesOf(await sinks.metricsText(), 'cqrs_message_total', {
          message_type: 'TickCommand',
          outcome: 'success',
        })[0]?.value,
      ).toBe(1);
    });

    it("on an event: no publish span, its handlers' spans hang on the publisher's; a handler's own policy wins", async () => {
      const tracer = trace.getTracer('test');
      await trackFlow(sinks.app!, () =>
        tracer.startActiveSpan('publisher', (publisher) => {
          try {
            sinks.app!.get(EventBus).publish(new CacheWarmedEvent());
          } finally {
            publisher.end();
          }
        }),
      );
      const spans = sinks.spans();
      expect(spanNames()).not.toContain('event.dispatch.CacheWarmedEvent');
      expect(spanNames()).not.toContain('event.handler.CacheWarmedEvent.CacheWarmedHandler');
      // The handler whose own policy says tracing: true is traced, under the publisher.
      expect(
        isChildOf(
          spanNamed(spans, 'event.handler.CacheWarmedEvent.CacheAuditHandler'),
          spanNamed(spans, 'publisher'),
        ),
      ).toBe(true);
    });

    it('hands back the very same error, with no span for it', async () => {
      await expect(commandBus.execute(new TickCommand({ fail: true }))).rejects.toBe(
        TickHandler.error,
      );
      expect(spanNames()).not.toContain('cqrs.TickCommand');
      expect(linesOf('TickCommand').at(-1)).toMatchObject({ outcome: 'error' });
    });
  });

  describe('metrics: false', () => {
    it('writes no series for the type, not even at zero, while its span and line are there', async () => {
      const before = await sinks.metricsText();
      // The guard: registered types do get their series at zero at bootstrap.
      expect(
        samplesOf(before, 'cqrs_message_total', { message_type: 'GetOrderQuery' }),
      ).not.toEqual([]);
      expect(before).not.toContain('HeartbeatQuery');

      await expect(queryBus.execute(new HeartbeatQuery({}))).resolves.toBe('alive');
      await expect(queryBus.execute(new HeartbeatQuery({ fail: true }))).rejects.toBe(
        HeartbeatHandler.error,
      );

      const after = await sinks.metricsText();
      expect(after).not.toContain('HeartbeatQuery');
      expect(samplesOf(after, 'cqrs_messages_in_flight', { kind: 'query' })[0]?.value).toBe(0);
      expect(spanNames().filter((name) => name === 'cqrs.HeartbeatQuery')).toHaveLength(2);
      expect(linesOf('HeartbeatQuery').map((line) => line.outcome)).toEqual(['success', 'error']);
    });
  });

  describe('logs: false', () => {
    it('writes no line for the type, on success or failure; the sync throw stays sync', async () => {
      await expect(commandBus.execute(new PingCommand({}))).resolves.toBe('pong');
      expect(() => commandBus.execute(new PingCommand({ fail: true }))).toThrow(PingHandler.error);
      await sinks.settle();
      expect(linesOf('PingCommand')).toEqual([]);
      // The guard: the logger writes, and the type's other signals record.
      await commandBus.execute(new QuickCommand({}));
      expect(linesOf('QuickCommand')).toHaveLength(1);
      expect(spanNames().filter((name) => name === 'cqrs.PingCommand')).toHaveLength(2);
      expect(
        samplesOf(await sinks.metricsText(), 'cqrs_message_total', {
          message_type: 'PingCommand',
          outcome: 'error',
        })[0]?.value,
      ).toBe(1);
    });
  });

  describe('payload: false', () => {
    async function run(command: StorePinCommand | StoreNoteCommand, error: Error) {
      await expect(commandBus.execute(command)).rejects.toBe(error);
      await sinks.settle();
    }

    it('keeps its payload off its span, its log line and its Sentry context', async () => {
      // The guard: the same fields on a type with the default policy reach every sink.
      await run(new StoreNoteCommand({ pinHint: 'note-hint', fail: true }), StoreNoteHandler.error);
      const noteSpan = spanNamed(sinks.spans(), 'cqrs.StoreNoteCommand');
      expect(noteSpan.events.map((event) => event.name)).toContain('cqrs.command_payload');
      expect(noteSpan.attributes['cqrs.payload_present']).toBe(true);
      expect(linesOf('StoreNoteCommand')[0]!.payload).toMatchObject({ pinHint: 'note-hint' });
      const noteEvent = sinks.transport.events()[0]!;
      expect(noteEvent.contexts.cqrs.payload).toMatchObject({ pinHint: 'note-hint' });
      sinks.transport.clear();

      await run(new StorePinCommand({ pinHint: 'pin-hint', fail: true }), StorePinHandler.error);
      const pinSpan = spanNamed(sinks.spans(), 'cqrs.StorePinCommand');
      expect(pinSpan.events.map((event) => event.name)).not.toContain('cqrs.command_payload');
      expect(pinSpan.attributes['cqrs.payload_present']).toBeUndefined();
      const line = linesOf('StorePinCommand')[0]!;
      expect(line.outcome).toBe('error');
      expect(line).not.toHaveProperty('payload');
      const events = sinks.transport.events();
      expect(events).toHaveLength(1);
      expect(events[0]!.tags['cqrs.message_type']).toBe('StorePinCommand');
      expect(events[0]!.contexts.cqrs).not.toHaveProperty('payload');
      expect(
        JSON.stringify([sinks.spanTexts(), sinks.logTexts(), sinks.sentryTexts()]),
      ).not.toContain('pin-hint');
    });
  });

  describe('sentry: false', () => {
    it('sends no event for its failures; the span and the error line stay', async () => {
      await expect(commandBus.execute(new ReserveSeatCommand({}))).rejects.toBe(
        ReserveSeatHandler.error,
      );
      await sinks.settle();
      expect(sinks.transport.events()).toEqual([]);
      expect(linesOf('ReserveSeatCommand')[0]).toMatchObject({ outcome: 'error' });
      expect(spanNamed(sinks.spans(), 'cqrs.ReserveSeatCommand').status.code).toBe(2);
      // The guard: another failing type is sent.
      await expect(
        commandBus.execute(new PlaceOrderCommand({ sku: 'S', quantity: 1, mode: 'reject' })),
      ).rejects.toBeInstanceOf(Error);
      await sinks.settle();
      expect(sinks.transport.events()).toHaveLength(1);
    });
  });

  describe('logLevel and slowThresholdMs', () => {
    it('writes the successes of a logLevel debug type at debug', async () => {
      await queryBus.execute(new StockLevelQuery({}));
      await queryBus.execute(new HeartbeatQuery({}));
      expect(linesOf('StockLevelQuery').map((line) => line.level)).toEqual([PinoLevel.debug]);
      expect(linesOf('HeartbeatQuery').map((line) => line.level)).toEqual([PinoLevel.info]);
    });

    it('warns past the type own slow threshold, naming it', async () => {
      await commandBus.execute(new QuickCommand({}));
      const line = linesOf('QuickCommand')[0]!;
      expect(line.level).toBe(PinoLevel.warn);
      expect(line.msg).toMatch(/^command QuickCommand succeeded in [\d.]+ms, slower than 0ms$/);
      // The module's threshold (1000 ms) still rules the others.
      await queryBus.execute(new HeartbeatQuery({}));
      expect(linesOf('HeartbeatQuery').map((l) => l.level)).toEqual([PinoLevel.info]);
    });
  });

  describe('trace on a handler class', () => {
    it("links that handler's span from a new trace; the event's other handler stays a child", async () => {
      await trackFlow(sinks.app!, () => sinks.app!.get(EventBus).publish(new ReportReadyEvent()));
      const spans = sinks.spans();
      const dispatch = spanNamed(spans, 'event.dispatch.ReportReadyEvent');
      expect(
        isChildOf(
          spanNamed(spans, 'event.handler.ReportReadyEvent.ArchiveReportHandler'),
          dispatch,
        ),
      ).toBe(true);
      const mail: ReadableSpan = spanNamed(
        spans,
        'event.handler.ReportReadyEvent.MailReportHandler',
      );
      expect(mail.parentSpanContext).toBeUndefined();
      expect(mail.links.map((link) => link.context.spanId)).toEqual([
        dispatch.spanContext().spanId,
      ]);
    });
  });
});
