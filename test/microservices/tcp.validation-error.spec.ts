import { Body, Controller, type INestApplication, Module, Post } from '@nestjs/common';
import type { DynamicModule, INestMicroservice, Provider } from '@nestjs/common';
import { APP_FILTER, NestFactory } from '@nestjs/core';
import { CommandBus, CqrsModule } from '@nestjs/cqrs';
import {
  ClientsModule,
  MessagePattern,
  Payload,
  RpcException,
  Transport,
  type ClientProxy,
} from '@nestjs/microservices';
import { Test, type TestingModule } from '@nestjs/testing';
import * as Sentry from '@sentry/nestjs';
import { SentryGlobalFilter, SentryModule } from '@sentry/nestjs/setup';
import { lastValueFrom } from 'rxjs';
import request from 'supertest';
import { CqrsObservabilityModule } from '../../lib';
import { ORDER_HANDLERS, PlaceOrderCommand } from '../fixtures/orders.fixture';
import { RecordingTransport, sentryTestOptions } from '../sentry/recording-transport';
import { freePort } from './brokers';

/**
 * An invalid message dispatched from a transport handler reaches the RPC client as the same
 * 400 body an HTTP caller gets, with no filter in the app; every other error arrives exactly
 * as it does from an app without the module.
 */

const TCP = Symbol('tcp-client');

interface Order {
  readonly quantity: number;
  readonly mode: 'ok' | 'reject';
}

const place = (commandBus: CommandBus, { quantity, mode }: Order) =>
  commandBus.execute(new PlaceOrderCommand({ sku: 'V-1', quantity, mode }));

@Controller()
class OrdersRpcController {
  constructor(private readonly commandBus: CommandBus) {}

  @MessagePattern('orders.place')
  place(@Payload() order: Order): unknown {
    return place(this.commandBus, order);
  }

  @MessagePattern('orders.refuse')
  refuse(): never {
    throw new RpcException({ code: 'OUT_OF_STOCK', sku: 'V-1' });
  }
}

@Controller('orders')
class OrdersHttpController {
  constructor(private readonly commandBus: CommandBus) {}

  @Post()
  place(@Body() order: Order): unknown {
    return place(this.commandBus, order);
  }
}

const APPS: ReadonlyArray<[string, DynamicModule[]]> = [
  ['without the module', []],
  ['with CqrsObservabilityModule.forRoot()', [CqrsObservabilityModule.forRoot()]],
  ['with propagation off', [CqrsObservabilityModule.forRoot({ microservices: false })]],
];

interface Running {
  readonly server: INestMicroservice;
  readonly sender: TestingModule;
  readonly client: ClientProxy;
}

async function start(imports: DynamicModule[], providers: Provider[] = []): Promise<Running> {
  @Module({
    imports: [CqrsModule.forRoot(), ...imports],
    controllers: [OrdersRpcController],
    providers: [...ORDER_HANDLERS, ...providers],
  })
  class OrdersModule {}

  const port = await freePort();
  const server = await NestFactory.createMicroservice(OrdersModule, {
    transport: Transport.TCP,
    options: { host: '127.0.0.1', port },
    logger: false,
  });
  await server.listen();
  const sender = await Test.createTestingModule({
    imports: [
      ClientsModule.register([
        { name: TCP, transport: Transport.TCP, options: { host: '127.0.0.1', port } },
      ]),
    ],
  }).compile();
  await sender.init();
  return { server, sender, client: sender.get(TCP) };
}

/** What the client's `send` rejects with (fails the test when it resolves). */
async function rpcError(client: ClientProxy, pattern: string, order?: Order): Promise<unknown> {
  return lastValueFrom(client.send(pattern, order ?? {})).then(
    (reply: unknown) => {
      throw new Error(`expected an error, got ${JSON.stringify(reply)}`);
    },
    (error: unknown) => error,
  );
}

describe('an invalid message over a TCP transport', () => {
  const running = new Map<string, Running>();
  let http: INestApplication;

  beforeAll(async () => {
    for (const [name, observability] of APPS) running.set(name, await start(observability));
    const moduleRef = await Test.createTestingModule({
      imports: [CqrsModule.forRoot(), CqrsObservabilityModule.forRoot()],
      controllers: [OrdersHttpController],
      providers: ORDER_HANDLERS,
    }).compile();
    http = moduleRef.createNestApplication({ logger: false });
    await http.init();
  });

  afterAll(async () => {
    for (const { sender, server } of running.values()) {
      await sender.close();
      await server.close();
    }
    await http?.close();
  });

  const client = (name: string) => running.get(name)!.client;

  it.each(APPS.slice(1).map(([name]) => [name]))(
    'reaches the client %s as the HTTP 400 body',
    async (name) => {
      const invalid: Order = { quantity: 0, mode: 'ok' };
      const httpBody = (
        await request(http.getHttpServer()).post('/orders').send(invalid).expect(400)
      ).body as unknown;
      expect(httpBody).toEqual({
        statusCode: 400,
        error: 'Bad Request',
        message: 'PlaceOrderCommand failed validation',
        messageType: 'PlaceOrderCommand',
        errors: [
          { property: 'quantity', constraints: { min: 'quantity must not be less than 1' } },
        ],
      });

      expect(await rpcError(client(name), 'orders.place', invalid)).toEqual(httpBody);
      // A valid message still gets its reply.
      await expect(
        lastValueFrom(client(name).send('orders.place', { quantity: 1, mode: 'ok' })),
      ).resolves.toEqual({ ok: true });
    },
  );

  it('is an unknown error in an app without the module (what the module changes)', async () => {
    // Without the module nothing validates: the handler runs, so a failing handler stands in.
    expect(
      await rpcError(client('without the module'), 'orders.place', { quantity: 1, mode: 'reject' }),
    ).toEqual({ status: 'error', message: 'Internal server error' });
  });

  it.each(APPS.slice(1).map(([name]) => [name]))(
    'leaves every other error as an app without the module sends it, %s',
    async (name) => {
      const bare = client('without the module');
      const failing: Order = { quantity: 1, mode: 'reject' };
      const handlerFailure = await rpcError(bare, 'orders.place', failing);
      const ownRpcException = await rpcError(bare, 'orders.refuse');
      expect(ownRpcException).toEqual({ code: 'OUT_OF_STOCK', sku: 'V-1' });

      expect(await rpcError(client(name), 'orders.place', failing)).toEqual(handlerFailure);
      expect(await rpcError(client(name), 'orders.refuse')).toEqual(ownRpcException);
    },
  );
});

describe('an invalid message over a TCP transport, next to SentryGlobalFilter', () => {
  const transport = new RecordingTransport();
  let app: Running;

  beforeAll(async () => {
    Sentry.init({ ...sentryTestOptions(transport), skipOpenTelemetrySetup: true });
    app = await start(
      [SentryModule.forRoot(), CqrsObservabilityModule.forRoot()],
      [{ provide: APP_FILTER, useClass: SentryGlobalFilter }],
    );
  });

  afterAll(async () => {
    await app?.sender.close();
    await app?.server.close();
    await Sentry.close(2000);
  });

  it('reaches the client as the 400 body and is not sent to Sentry, while a real failure is', async () => {
    const invalid = await rpcError(app.client, 'orders.place', { quantity: 0, mode: 'ok' });
    expect(invalid).toMatchObject({ statusCode: 400, messageType: 'PlaceOrderCommand' });
    await Sentry.flush(2000);
    expect(transport.events()).toHaveLength(0);

    await rpcError(app.client, 'orders.place', { quantity: 1, mode: 'reject' });
    await Sentry.flush(2000);
    expect(transport.events().map((event) => event.exception.values[0].value)).toEqual([
      'async failure',
    ]);
  });
});
