import { Inject, Injectable } from '@nestjs/common';
import {
  CommandBus,
  CommandHandler,
  CqrsModule,
  EventBus,
  EventsHandler,
  type ICommandHandler,
  type IEventHandler,
} from '@nestjs/cqrs';
import { ClientsModule, type ClientProvider, type ClientProxy } from '@nestjs/microservices';
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-node';
import { Test, type TestingModule } from '@nestjs/testing';
import { Registry } from 'prom-client';
import { lastValueFrom } from 'rxjs';
import {
  BaseCommand,
  BaseEvent,
  CqrsEventBridge,
  CqrsObservabilityModule,
  getCausationId,
  getCorrelationId,
  MessageHeaders,
  MessagingAttributes,
  MessagingMetricNames,
} from '../../lib';
import { samplesOf } from '../metrics/prometheus-text';
import { startTracingSdk, type TracingSdk } from '../tracing/tracing-sdk';
import { assertBrokerInstalled, describeWithBroker, type Broker } from './brokers';
import {
  Patterns,
  type ExportedSpan,
  type SeenIds,
  type StockCheckReply,
  type WarehouseDump,
} from './fixtures/warehouse.messages';
import { WarehouseProcess } from './warehouse.process';

export const WAREHOUSE = Symbol('warehouse-client');

export interface BrokerSuite {
  readonly system: string;
  readonly binary: string;
  readonly debianPackage: string;
  start(): Promise<Broker>;
  /** The ClientsModule entry for the orders side. */
  client(url: string, queue: string): ClientProvider;
  /** The child's env for its transport. */
  childEnv(url: string, queue: string): Record<string, string>;
  /** `data` with headers the caller chose (they win over the propagated ones). */
  withOwnHeaders(data: unknown, headers: Record<string, string>): unknown;
}

class ShipOrderCommand extends BaseCommand<void> {
  declare readonly sku: string;
  declare readonly pattern?: string;
  declare readonly headers?: Record<string, string>;
}

class CheckStockCommand extends BaseCommand<{ reply: StockCheckReply; correlationId: string }> {
  declare readonly flow: number;
}

export class OrderShippedEvent extends BaseEvent {
  declare readonly orderId: string;
}

class PublishShippedCommand extends BaseCommand<OrderShippedEvent> {
  declare readonly orderId: string;
}

@Injectable()
class LocalSeen {
  readonly seen: SeenIds[] = [];
}

function handlersFor(suite: BrokerSuite) {
  @CommandHandler(ShipOrderCommand)
  class ShipOrderHandler implements ICommandHandler<ShipOrderCommand> {
    constructor(@Inject(WAREHOUSE) private readonly client: ClientProxy) {}
    async execute(command: ShipOrderCommand): Promise<void> {
      const data = { sku: command.sku };
      const payload = command.headers ? suite.withOwnHeaders(data, command.headers) : data;
      await lastValueFrom(this.client.emit(command.pattern ?? Patterns.ORDER_PLACED, payload), {
        defaultValue: undefined,
      });
    }
  }

  @CommandHandler(CheckStockCommand)
  class CheckStockHandler implements ICommandHandler<CheckStockCommand> {
    constructor(@Inject(WAREHOUSE) private readonly client: ClientProxy) {}
    async execute(command: CheckStockCommand) {
      const reply = await lastValueFrom(
        this.client.send<StockCheckReply>(Patterns.STOCK_CHECK, { flow: command.flow }),
      );
      return { reply, correlationId: getCorrelationId()! };
    }
  }

  @CommandHandler(PublishShippedCommand)
  class PublishShippedHandler implements ICommandHandler<PublishShippedCommand> {
    constructor(private readonly eventBus: EventBus) {}
    async execute(command: PublishShippedCommand): Promise<OrderShippedEvent> {
      const event = new OrderShippedEvent({ orderId: command.orderId });
      await this.eventBus.publish(event);
      return event;
    }
  }

  @EventsHandler(OrderShippedEvent)
  class LocalShippedHandler implements IEventHandler<OrderShippedEvent> {
    constructor(private readonly local: LocalSeen) {}
    handle(): void {
      this.local.seen.push({
        where: 'local OrderShippedEvent handler',
        correlationId: getCorrelationId(),
        causationId: getCausationId(),
      });
    }
  }

  return [
    ShipOrderHandler,
    CheckStockHandler,
    PublishShippedHandler,
    LocalShippedHandler,
    LocalSeen,
  ];
}

function attr(span: { attributes: Record<string, unknown> }, key: string): unknown {
  return span.attributes[key];
}

function one<T extends { name: string }>(spans: readonly T[], name: string): T {
  const found = spans.filter((span) => span.name === name);
  if (found.length !== 1) {
    throw new Error(
      `expected one "${name}", got ${found.length}: ${spans.map((s) => s.name).join(', ')}`,
    );
  }
  return found[0]!;
}

function seenAt(dump: WarehouseDump, where: string): SeenIds[] {
  return dump.seen.filter((entry) => entry.where === where);
}

/** The two-service scenarios, the same for every broker. */
export function crossServiceSuite(suite: BrokerSuite): void {
  describeWithBroker(suite.binary)(`across two services over ${suite.system}`, () => {
    let broker: Broker;
    let warehouse: WarehouseProcess;
    let sdk: TracingSdk;
    let registry: Registry;
    let app: TestingModule;
    let commandBus: CommandBus;
    const queue = `warehouse-${process.pid}-${Date.now()}`;

    beforeAll(async () => {
      assertBrokerInstalled(suite.binary, suite.debianPackage);
      sdk = startTracingSdk();
      broker = await suite.start();
      warehouse = await WarehouseProcess.start({
        ...suite.childEnv(broker.url, queue),
        TRANSPORT: suite.system,
        MICROSERVICES_OPTIONS: JSON.stringify({
          consumerTraceByPattern: { [Patterns.LINKED]: 'link' },
        }),
      });
      registry = new Registry();
      app = await Test.createTestingModule({
        imports: [
          CqrsModule.forRoot(),
          CqrsObservabilityModule.forRoot({ metrics: { registry } }),
          ClientsModule.register([{ ...suite.client(broker.url, queue), name: WAREHOUSE }]),
        ],
        providers: handlersFor(suite),
      }).compile();
      await app.init();
      commandBus = app.get(CommandBus);
      app.get(CqrsEventBridge).publishTo({
        client: app.get<ClientProxy>(WAREHOUSE),
        events: [OrderShippedEvent],
      });
    }, 120_000);

    afterAll(async () => {
      await app?.close();
      await warehouse?.stop();
      await broker?.stop();
      await sdk?.shutdown();
    }, 60_000);

    beforeEach(async () => {
      sdk.exporter.reset();
      registry.resetMetrics();
      await warehouse.reset();
    });

    it('continues the flow in the other process: ids, causation and one trace', async () => {
      const command = new ShipOrderCommand({ sku: 'A-1' });
      await commandBus.execute(command);
      const dump = await warehouse.waitFor((d) => seenAt(d, 'ReserveStockCommand').length === 1);
      const spans = sdk.exporter.getFinishedSpans();
      const commandSpan = one(spans, 'cqrs.ShipOrderCommand');
      const producer = one(spans, `send ${Patterns.ORDER_PLACED}`);
      const correlationId = attr(commandSpan, 'cqrs.correlation_id');
      const messageId = attr(producer, MessagingAttributes.MESSAGE_ID);
      expect(typeof correlationId).toBe('string');
      expect(typeof messageId).toBe('string');

      // Producer span: a PRODUCER child of the command span, attributed per the conventions.
      expect(producer.kind).toBe(SpanKind.PRODUCER);
      expect(producer.parentSpanContext?.spanId).toBe(commandSpan.spanContext().spanId);
      expect(producer.attributes).toMatchObject({
        [MessagingAttributes.MESSAGING_SYSTEM]: suite.system,
        [MessagingAttributes.DESTINATION_NAME]: Patterns.ORDER_PLACED,
        [MessagingAttributes.OPERATION_TYPE]: 'send',
        [MessagingAttributes.CONVERSATION_ID]: correlationId,
        [MessagingAttributes.CAUSATION_ID]: command.requestId,
      });

      // The handler in the other process runs in the sender's flow.
      const [received] = seenAt(dump, Patterns.ORDER_PLACED);
      expect(received).toMatchObject({ correlationId, causationId: command.requestId });
      const [reserve] = seenAt(dump, 'ReserveStockCommand');
      expect(reserve).toMatchObject({ correlationId, causationId: messageId });

      // One trace: command → send → process → the command the consumer dispatched.
      const consumer = one(dump.spans, `process ${Patterns.ORDER_PLACED}`);
      expect(consumer.kind).toBe(SpanKind.CONSUMER);
      expect(consumer.traceId).toBe(producer.spanContext().traceId);
      expect(consumer.parentSpanId).toBe(producer.spanContext().spanId);
      expect(consumer.attributes).toMatchObject({
        [MessagingAttributes.MESSAGING_SYSTEM]: suite.system,
        [MessagingAttributes.DESTINATION_NAME]: Patterns.ORDER_PLACED,
        [MessagingAttributes.OPERATION_TYPE]: 'process',
        [MessagingAttributes.MESSAGE_ID]: messageId,
        [MessagingAttributes.CONVERSATION_ID]: correlationId,
        [MessagingAttributes.CAUSATION_ID]: command.requestId,
        [MessagingAttributes.OUTCOME]: 'success',
      });
      const remoteCommand = one(dump.spans, 'cqrs.ReserveStockCommand');
      expect(remoteCommand.traceId).toBe(consumer.traceId);
      expect(remoteCommand.parentSpanId).toBe(consumer.spanId);
      expect(remoteCommand.attributes['cqrs.causation_id']).toBe(messageId);

      // Metrics on both sides, the age one measured from the send time.
      const labels = { transport: suite.system, pattern: Patterns.ORDER_PLACED };
      expect(
        samplesOf(await registry.metrics(), MessagingMetricNames.SENT, {
          ...labels,
          outcome: 'success',
        })[0]?.value,
      ).toBe(1);
      expect(
        samplesOf(dump.metrics, MessagingMetricNames.CONSUMED, { ...labels, outcome: 'success' })[0]
          ?.value,
      ).toBe(1);
      const ageCount = samplesOf(
        dump.metrics,
        `${MessagingMetricNames.MESSAGE_AGE}_count`,
        labels,
      )[0];
      const ageSum = samplesOf(dump.metrics, `${MessagingMetricNames.MESSAGE_AGE}_sum`, labels)[0];
      expect(ageCount?.value).toBe(1);
      expect(ageSum!.value).toBeGreaterThanOrEqual(0);
      expect(ageSum!.value).toBeLessThan(30);
      expect(
        samplesOf(dump.metrics, `${MessagingMetricNames.PROCESS_DURATION}_count`, {
          ...labels,
          outcome: 'success',
        })[0]?.value,
      ).toBe(1);
    });

    it('starts a linked trace for a message older than the window', async () => {
      const sentAt = String(Date.now() - 10 * 60_000);
      await commandBus.execute(
        new ShipOrderCommand({
          sku: 'OLD-1',
          pattern: Patterns.REPLAYED,
          headers: { [MessageHeaders.SENT_AT]: sentAt },
        }),
      );
      const dump = await warehouse.waitFor((d) => seenAt(d, Patterns.REPLAYED).length === 1);
      const producer = one(sdk.exporter.getFinishedSpans(), `send ${Patterns.REPLAYED}`);
      const consumer = one(dump.spans, `process ${Patterns.REPLAYED}`);
      expect(consumer.traceId).not.toBe(producer.spanContext().traceId);
      expect(consumer.parentSpanId).toBeUndefined();
      expect(consumer.links).toEqual([
        { traceId: producer.spanContext().traceId, spanId: producer.spanContext().spanId },
      ]);
      expect(consumer.attributes[MessagingAttributes.MESSAGE_AGE_MS]).toBeGreaterThanOrEqual(
        600_000,
      );
      // The flow's ids still cross: only the trace shape changes.
      expect(seenAt(dump, Patterns.REPLAYED)[0]!.correlationId).toBe(
        attr(producer, MessagingAttributes.CONVERSATION_ID),
      );
      const age = samplesOf(dump.metrics, `${MessagingMetricNames.MESSAGE_AGE}_bucket`, {
        transport: suite.system,
        pattern: Patterns.REPLAYED,
        le: '300',
      })[0];
      const ageAll = samplesOf(dump.metrics, `${MessagingMetricNames.MESSAGE_AGE}_count`, {
        transport: suite.system,
        pattern: Patterns.REPLAYED,
      })[0];
      expect(ageAll?.value).toBe(1);
      expect(age?.value).toBe(0);
    });

    it('starts a linked trace for a pattern configured so', async () => {
      await commandBus.execute(new ShipOrderCommand({ sku: 'L-1', pattern: Patterns.LINKED }));
      const dump = await warehouse.waitFor((d) => seenAt(d, Patterns.LINKED).length === 1);
      const producer = one(sdk.exporter.getFinishedSpans(), `send ${Patterns.LINKED}`);
      const consumer = one(dump.spans, `process ${Patterns.LINKED}`);
      expect(consumer.traceId).not.toBe(producer.spanContext().traceId);
      expect(consumer.links).toEqual([
        { traceId: producer.spanContext().traceId, spanId: producer.spanContext().spanId },
      ]);
    });

    it('drops hostile headers: a new id and a new trace, nothing raw in logs or spans', async () => {
      const hostile = {
        [MessageHeaders.CORRELATION_ID]: '<script>alert(1)</script>',
        [MessageHeaders.CAUSATION_ID]: 'x'.repeat(500),
        [MessageHeaders.MESSAGE_ID]: 'id with spaces & <b>bold</b>',
        [MessageHeaders.TRACEPARENT]: '00-zzzz-not-a-trace-01',
        [MessageHeaders.SENT_AT]: 'yesterday',
      };
      await commandBus.execute(new ShipOrderCommand({ sku: 'H-1', headers: hostile }));
      const dump = await warehouse.waitFor((d) => seenAt(d, 'ReserveStockCommand').length === 1);
      const producer = one(sdk.exporter.getFinishedSpans(), `send ${Patterns.ORDER_PLACED}`);
      const [received] = seenAt(dump, Patterns.ORDER_PLACED);
      expect(received!.correlationId).toMatch(/^[0-9a-f-]{36}$/);
      expect(received!.causationId).toBeUndefined();
      const consumer = one(dump.spans, `process ${Patterns.ORDER_PLACED}`);
      expect(consumer.traceId).not.toBe(producer.spanContext().traceId);
      expect(consumer.parentSpanId).toBeUndefined();
      expect(consumer.attributes[MessagingAttributes.MESSAGE_AGE_MS]).toBeUndefined();
      const everything = JSON.stringify({ spans: dump.spans, logs: dump.logs, seen: dump.seen });
      expect(everything.length).toBeGreaterThan(100);
      for (const value of Object.values(hostile)) expect(everything).not.toContain(value);
    });

    it('records a failing handler on its span and metric; the sender is unaffected', async () => {
      await expect(
        commandBus.execute(new ShipOrderCommand({ sku: 'F-1', pattern: Patterns.FAILING })),
      ).resolves.toBeUndefined();
      const dump = await warehouse.waitFor((d) =>
        d.spans.some((span) => span.name === `process ${Patterns.FAILING}`),
      );
      const consumer = one(dump.spans, `process ${Patterns.FAILING}`);
      expect(consumer.status).toBe(SpanStatusCode.ERROR);
      // Nest's RPC exception filter logs it, as for any handler.
      expect(dump.logs.some((line) => line.includes('warehouse is on fire'))).toBe(true);
      expect(consumer.attributes[MessagingAttributes.OUTCOME]).toBe('error');
      expect(
        samplesOf(dump.metrics, MessagingMetricNames.CONSUMED, {
          transport: suite.system,
          pattern: Patterns.FAILING,
          outcome: 'error',
        })[0]?.value,
      ).toBe(1);
    });

    it('bridges chosen EventBus events into the other service EventBus', async () => {
      const command = new PublishShippedCommand({ orderId: 'o-42' });
      const event = await commandBus.execute(command);
      const dump = await warehouse.waitFor(
        (d) => seenAt(d, 'OrderShippedEvent handler').length === 1,
      );
      const spans = sdk.exporter.getFinishedSpans();
      const dispatch = one(spans, 'event.dispatch.OrderShippedEvent');
      const producer = one(spans, 'send OrderShippedEvent');
      const correlationId = attr(dispatch, 'cqrs.correlation_id');
      expect(producer.parentSpanContext?.spanId).toBe(dispatch.spanContext().spanId);
      expect(attr(producer, MessagingAttributes.MESSAGE_ID)).toBe(event.eventId);
      // The local handler still runs; the remote one sees the same ids.
      const local = app.get(LocalSeen).seen;
      expect(local).toEqual([
        { where: 'local OrderShippedEvent handler', correlationId, causationId: command.requestId },
      ]);
      const [remote] = seenAt(dump, 'OrderShippedEvent handler');
      expect(remote).toMatchObject({
        correlationId,
        causationId: command.requestId,
        data: { eventId: event.eventId, orderId: 'o-42' },
      });
      const remoteDispatch = one(dump.spans, 'event.dispatch.OrderShippedEvent');
      const remoteHandler = dump.spans.find((s) =>
        s.name.startsWith('event.handler.OrderShippedEvent'),
      );
      const consumer = one(dump.spans, 'process OrderShippedEvent');
      expect(remoteDispatch.traceId).toBe(dispatch.spanContext().traceId);
      expect(remoteDispatch.parentSpanId).toBe(consumer.spanId);
      expect(remoteDispatch.attributes).toMatchObject({
        [MessagingAttributes.ORIGIN]: 'remote',
        [MessagingAttributes.ORIGIN_SYSTEM]: suite.system,
        'cqrs.message_id': event.eventId,
        'cqrs.causation_id': command.requestId,
      });
      expect(remoteHandler?.attributes[MessagingAttributes.ORIGIN]).toBe('remote');
    });

    it('keeps 300 concurrent flows apart across the boundary', async () => {
      const flows = 300;
      const started = performance.now();
      const commands = Array.from({ length: flows }, (_, flow) => new CheckStockCommand({ flow }));
      const results = await Promise.all(commands.map((command) => commandBus.execute(command)));
      const elapsedMs = performance.now() - started;
      const producers = new Map<unknown, ReadableSpan>();
      for (const span of sdk.exporter.getFinishedSpans()) {
        if (span.name === `send ${Patterns.STOCK_CHECK}`) {
          producers.set(span.attributes[MessagingAttributes.CONVERSATION_ID], span);
        }
      }
      expect(producers.size).toBe(flows);
      const dump = await warehouse.dump();
      const consumers = new Map<unknown, ExportedSpan>();
      for (const span of dump.spans) {
        if (span.name === `process ${Patterns.STOCK_CHECK}`) {
          consumers.set(span.attributes[MessagingAttributes.MESSAGE_ID], span);
        }
      }
      expect(consumers.size).toBe(flows);
      const correlationIds = new Set<string>();
      results.forEach(({ reply, correlationId }, flow) => {
        correlationIds.add(correlationId);
        expect(reply.flow).toBe(flow);
        expect(reply.handler.correlationId).toBe(correlationId);
        expect(reply.handler.causationId).toBe(commands[flow]!.requestId);
        expect(reply.command.correlationId).toBe(correlationId);
        const producer = producers.get(correlationId)!;
        const messageId = producer.attributes[MessagingAttributes.MESSAGE_ID];
        expect(reply.command.causationId).toBe(messageId);
        const consumer = consumers.get(messageId)!;
        expect(consumer.traceId).toBe(producer.spanContext().traceId);
        expect(consumer.parentSpanId).toBe(producer.spanContext().spanId);
        expect(consumer.attributes[MessagingAttributes.CONVERSATION_ID]).toBe(correlationId);
      });
      expect(correlationIds.size).toBe(flows);
      process.stdout.write(
        `[cross-service ${suite.system}] ${flows} concurrent request/reply flows in ${elapsedMs.toFixed(0)} ms, 0 ids crossed\n`,
      );
    }, 60_000);
  });
}
