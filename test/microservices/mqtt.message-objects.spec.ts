import { Controller, Inject, Module, type INestMicroservice } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { CommandBus, CommandHandler, CqrsModule, type ICommandHandler } from '@nestjs/cqrs';
import {
  ClientsModule,
  EventPattern,
  MqttRecordBuilder,
  Payload,
  ServerMqtt,
  Transport,
  type ClientMqtt,
} from '@nestjs/microservices';
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
 * MQTT without a broker: the real ClientMqtt serialises and hands the packet to its mqtt.js
 * client (replaced by one that keeps what `publish` gets), and the real ServerMqtt handles it
 * as mqtt.js delivers it — payload Buffer plus the packet with its MQTT 5 user properties.
 */

const MQTT5 = Symbol('mqtt5-client');
const MQTT3 = Symbol('mqtt3-client');
const TOPIC = 'stock/reserved';

interface Published {
  topic: string;
  payload: string;
  options?: { properties?: { userProperties?: Record<string, unknown> } };
}

class ReserveCommand extends BaseCommand<void> {
  declare readonly sku: string;
  declare readonly v3?: boolean;
}

@CommandHandler(ReserveCommand)
class ReserveHandler implements ICommandHandler<ReserveCommand> {
  constructor(
    @Inject(MQTT5) private readonly mqtt5: ClientMqtt,
    @Inject(MQTT3) private readonly mqtt3: ClientMqtt,
  ) {}
  async execute(command: ReserveCommand): Promise<void> {
    const client = command.v3 ? this.mqtt3 : this.mqtt5;
    await lastValueFrom(client.emit(TOPIC, { sku: command.sku }), { defaultValue: undefined });
  }
}

const received: Array<{ correlationId?: string; causationId?: string; data: unknown }> = [];

@Controller()
class StockController {
  @EventPattern(TOPIC)
  reserved(@Payload() data: unknown): void {
    received.push({ correlationId: getCorrelationId(), causationId: getCausationId(), data });
  }
}

@Module({
  imports: [CqrsModule.forRoot(), CqrsObservabilityModule.forRoot()],
  controllers: [StockController],
})
class ReceiverModule {}

describe('MQTT: propagation through the transport message objects', () => {
  let sdk: TracingSdk;
  let sender: TestingModule;
  let receiver: INestMicroservice;
  let server: ServerMqtt;
  const published: Published[] = [];

  function connectWithoutBroker(token: symbol): void {
    const client = sender.get<ClientMqtt>(token) as unknown as Record<string, unknown>;
    client.mqttClient = {
      publish: (
        topic: string,
        payload: string,
        options: Published['options'],
        done: () => void,
      ) => {
        published.push({ topic, payload, options });
        done();
      },
      end: () => undefined,
      endAsync: async () => undefined,
      removeAllListeners: () => undefined,
    };
    client.connectionPromise = Promise.resolve();
  }

  async function deliver(message: Published): Promise<void> {
    const packet = { topic: message.topic, properties: message.options?.properties };
    await server.handleMessage(
      message.topic,
      Buffer.from(message.payload),
      undefined as never,
      packet as never,
    );
    // An event handler's stream runs after handleMessage returns (Nest does not await it).
    for (let i = 0; i < 500 && received.length === 0; i++) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    await new Promise((resolve) => setTimeout(resolve, 10));
  }

  beforeAll(async () => {
    sdk = startTracingSdk();
    sender = await Test.createTestingModule({
      imports: [
        CqrsModule.forRoot(),
        CqrsObservabilityModule.forRoot(),
        ClientsModule.register([
          {
            name: MQTT5,
            transport: Transport.MQTT,
            options: { url: 'mqtt://127.0.0.1:9', protocolVersion: 5 },
          },
          { name: MQTT3, transport: Transport.MQTT, options: { url: 'mqtt://127.0.0.1:9' } },
        ]),
      ],
      providers: [ReserveHandler],
    }).compile();
    await sender.init();
    connectWithoutBroker(MQTT5);
    connectWithoutBroker(MQTT3);
    server = new ServerMqtt({ url: 'mqtt://127.0.0.1:9' });
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
    published.length = 0;
    received.length = 0;
    sdk.exporter.reset();
  });

  it('carries the ids and trace context as MQTT 5 user properties', async () => {
    const command = new ReserveCommand({ sku: 'M-1' });
    await sender.get(CommandBus).execute(command);
    expect(published).toHaveLength(1);
    const userProperties = published[0]!.options?.properties?.userProperties ?? {};
    expect(Object.keys(userProperties)).toEqual(
      expect.arrayContaining([MessageHeaders.TRACEPARENT, MessageHeaders.CORRELATION_ID]),
    );
    await deliver(published[0]!);
    const spans = sdk.exporter.getFinishedSpans();
    const producer = spanNamed(spans, `send ${TOPIC}`);
    const consumer = spanNamed(spans, `process ${TOPIC}`);
    expect(received).toEqual([
      {
        correlationId: producer.attributes[MessagingAttributes.CONVERSATION_ID],
        causationId: command.requestId,
        data: { sku: 'M-1' },
      },
    ]);
    expect(consumer.parentSpanContext?.spanId).toBe(producer.spanContext().spanId);
    expect(consumer.attributes[MessagingAttributes.MESSAGING_SYSTEM]).toBe('mqtt');
  });

  it('keeps an MqttRecord the caller built, its user properties winning', async () => {
    const record = new MqttRecordBuilder({ sku: 'M-2' })
      .setQoS(1)
      .setProperties({ userProperties: { tenant: 'acme' } })
      .build();
    await lastValueFrom(sender.get<ClientMqtt>(MQTT5).emit(TOPIC, record), {
      defaultValue: undefined,
    });
    const options = published[0]!.options as Record<string, unknown> & Published['options'];
    expect(options.qos).toBe(1);
    expect(options.properties?.userProperties).toMatchObject({ tenant: 'acme' });
    expect(typeof options.properties?.userProperties?.[MessageHeaders.TRACEPARENT]).toBe('string');
  });

  it('sends an MQTT 3.1.1 message unchanged: the receiver starts a new flow', async () => {
    await sender.get(CommandBus).execute(new ReserveCommand({ sku: 'M-3', v3: true }));
    expect(published).toHaveLength(1);
    expect(published[0]!.options?.properties).toBeUndefined();
    await deliver(published[0]!);
    expect(received).toHaveLength(1);
    expect(received[0]!.correlationId).toMatch(/^[0-9a-f-]{36}$/);
    expect(received[0]!.causationId).toBeUndefined();
  });
});
