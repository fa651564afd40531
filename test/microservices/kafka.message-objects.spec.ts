import { Controller, Inject, type INestMicroservice } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { CommandBus, CommandHandler, CqrsModule, type ICommandHandler } from '@nestjs/cqrs';
import {
  ClientsModule,
  Ctx,
  EventPattern,
  KafkaContext,
  Payload,
  ServerKafka,
  Transport,
  type ClientKafka,
} from '@nestjs/microservices';
import { Module } from '@nestjs/common';
import { SpanKind } from '@opentelemetry/api';
import { Test, type TestingModule } from '@nestjs/testing';
import { lastValueFrom } from 'rxjs';
import {
  BaseCommand,
  CqrsObservabilityModule,
  getCausationId,
  getCorrelationId,
  MessageHeaders,
  MessagingAttributes,
} from '../../lib';
import { spanNamed, startTracingSdk, type TracingSdk } from '../tracing/tracing-sdk';

/**
 * Kafka without a broker: the sending app's real ClientKafka serialises the message (its
 * producer replaced by one that keeps the ProducerRecord kafkajs would send), and the
 * receiving app's real ServerKafka handles it as kafkajs delivers it — value and headers as
 * Buffers — through Nest's parser, deserializer, KafkaContext and the handler pipeline.
 */

const KAFKA = Symbol('kafka-client');
const TOPIC = 'stock.reserved';

interface ProducerRecord {
  topic: string;
  messages: Array<{ key?: unknown; value: unknown; headers?: Record<string, unknown> }>;
}

class ReserveCommand extends BaseCommand<void> {
  declare readonly sku: string;
}

@CommandHandler(ReserveCommand)
class ReserveHandler implements ICommandHandler<ReserveCommand> {
  constructor(@Inject(KAFKA) private readonly client: ClientKafka) {}
  async execute(command: ReserveCommand): Promise<void> {
    await lastValueFrom(this.client.emit(TOPIC, { sku: command.sku }), { defaultValue: undefined });
  }
}

const received: Array<{
  correlationId?: string;
  causationId?: string;
  data: unknown;
  headerType: string;
}> = [];

@Controller()
class StockController {
  @EventPattern(TOPIC)
  reserved(@Payload() data: unknown, @Ctx() ctx: unknown): void {
    const context = ctx as KafkaContext;
    received.push({
      correlationId: getCorrelationId(),
      causationId: getCausationId(),
      data,
      headerType: typeof context.getMessage().headers,
    });
  }
}

@Module({
  imports: [CqrsModule.forRoot(), CqrsObservabilityModule.forRoot()],
  controllers: [StockController],
})
class ReceiverModule {}

function delivered(message: ProducerRecord['messages'][number]) {
  const headers: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(message.headers ?? {})) {
    headers[key] = Buffer.isBuffer(value) ? value : Buffer.from(String(value));
  }
  return asDelivery(Buffer.from(String(message.value)), headers);
}

function asDelivery(value: Buffer, headers: Record<string, unknown>) {
  return {
    topic: TOPIC,
    partition: 0,
    message: {
      key: null,
      value,
      headers,
      timestamp: String(Date.now()),
      offset: '0',
      attributes: 0,
      size: value.length,
    },
    heartbeat: async () => undefined,
    pause: () => () => undefined,
  };
}

describe('Kafka: propagation through the transport message objects', () => {
  let sdk: TracingSdk;
  let sender: TestingModule;
  let receiver: INestMicroservice;
  let server: ServerKafka;
  const records: ProducerRecord[] = [];

  beforeAll(async () => {
    sdk = startTracingSdk();
    sender = await Test.createTestingModule({
      imports: [
        CqrsModule.forRoot(),
        CqrsObservabilityModule.forRoot(),
        ClientsModule.register([
          {
            name: KAFKA,
            transport: Transport.KAFKA,
            options: { client: { brokers: ['127.0.0.1:9'] }, producerOnlyMode: true },
          },
        ]),
      ],
      providers: [ReserveHandler],
    }).compile();
    await sender.init();
    // Connected without a broker: the producer keeps what kafkajs would put on the wire.
    const client = sender.get<ClientKafka>(KAFKA) as unknown as Record<string, unknown>;
    client._producer = {
      send: async (record: ProducerRecord) => void records.push(record),
      disconnect: async () => undefined,
    };
    client.initialized = Promise.resolve();

    server = new ServerKafka({ client: { brokers: ['127.0.0.1:9'] } });
    receiver = await NestFactory.createMicroservice(ReceiverModule, {
      strategy: server,
      logger: false,
    });
    await receiver.init();
  });

  afterAll(async () => {
    await receiver?.close();
    await sender?.close();
    await sdk?.shutdown();
  });

  beforeEach(() => {
    records.length = 0;
    received.length = 0;
    sdk.exporter.reset();
  });

  it('carries the ids and trace context in Kafka message headers', async () => {
    const command = new ReserveCommand({ sku: 'K-1' });
    await sender.get(CommandBus).execute(command);
    expect(records).toHaveLength(1);
    const message = records[0]!.messages[0]!;
    expect(Object.keys(message.headers ?? {})).toEqual(
      expect.arrayContaining([
        MessageHeaders.TRACEPARENT,
        MessageHeaders.CORRELATION_ID,
        MessageHeaders.CAUSATION_ID,
        MessageHeaders.MESSAGE_ID,
        MessageHeaders.SENT_AT,
      ]),
    );

    await server.handleMessage(delivered(message) as never);

    const spans = sdk.exporter.getFinishedSpans();
    const commandSpan = spanNamed(spans, 'cqrs.ReserveCommand');
    const producer = spanNamed(spans, `send ${TOPIC}`);
    const consumer = spanNamed(spans, `process ${TOPIC}`);
    expect(received).toEqual([
      {
        correlationId: commandSpan.attributes['cqrs.correlation_id'],
        causationId: command.requestId,
        data: { sku: 'K-1' },
        headerType: 'object',
      },
    ]);
    expect(producer.attributes[MessagingAttributes.MESSAGING_SYSTEM]).toBe('kafka');
    expect(consumer.kind).toBe(SpanKind.CONSUMER);
    expect(consumer.parentSpanContext?.spanId).toBe(producer.spanContext().spanId);
    expect(consumer.attributes).toMatchObject({
      [MessagingAttributes.MESSAGING_SYSTEM]: 'kafka',
      [MessagingAttributes.DESTINATION_NAME]: TOPIC,
      [MessagingAttributes.MESSAGE_ID]: producer.attributes[MessagingAttributes.MESSAGE_ID],
    });
  });

  it('keeps a Kafka message the caller built, its own headers winning', async () => {
    const client = sender.get<ClientKafka>(KAFKA);
    await lastValueFrom(
      client.emit(TOPIC, { key: 'k1', value: { sku: 'K-2' }, headers: { tenant: 'acme' } }),
      { defaultValue: undefined },
    );
    const message = records[0]!.messages[0]!;
    expect(message.key).toBe('k1');
    expect(message.headers).toMatchObject({ tenant: 'acme' });
    expect(typeof message.headers?.[MessageHeaders.TRACEPARENT]).toBe('string');
  });

  it('drops headers of the wrong type or size without failing the handler', async () => {
    const hostile = {
      [MessageHeaders.CORRELATION_ID]: [Buffer.from('a b c'), Buffer.from('ok-but-second')],
      [MessageHeaders.CAUSATION_ID]: Buffer.alloc(4096, 'x'),
      [MessageHeaders.TRACEPARENT]: 42,
      [MessageHeaders.MESSAGE_ID]: { nested: 'object' },
      [MessageHeaders.SENT_AT]: Buffer.from('-1'),
    };
    await server.handleMessage(asDelivery(Buffer.from('{"sku":"K-3"}'), hostile) as never);
    expect(received).toHaveLength(1);
    expect(received[0]!.correlationId).toMatch(/^[0-9a-f-]{36}$/);
    expect(received[0]!.causationId).toBeUndefined();
    const consumer = spanNamed(sdk.exporter.getFinishedSpans(), `process ${TOPIC}`);
    expect(consumer.parentSpanContext).toBeUndefined();
    expect(consumer.attributes[MessagingAttributes.MESSAGE_ID]).toBeUndefined();
  });
});
