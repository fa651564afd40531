import {
  Controller,
  Module,
  UseInterceptors,
  type INestApplication,
  type Type,
} from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { CqrsModule } from '@nestjs/cqrs';
import {
  ClientsModule,
  EventPattern,
  Payload,
  Transport,
  type ClientProxy,
} from '@nestjs/microservices';
import { lastValueFrom } from 'rxjs';
import {
  CqrsObservabilityModule,
  getCausationId,
  getCorrelationId,
  MessageContextInterceptor,
  runWithContext,
} from '../../lib';
import {
  assertBrokerInstalled,
  describeWithBroker,
  NATS_SERVER_BIN,
  startNats,
  type Broker,
} from './brokers';
import { startTracingSdk, type TracingSdk } from '../tracing/tracing-sdk';

/** A hybrid app (HTTP + a connected NATS microservice), as the README documents it. */

const CLIENT = Symbol('nats-client');
const seen: Array<{ data: unknown; correlationId?: string; causationId?: string }> = [];

@Controller()
class InboxController {
  @EventPattern('inbox')
  inbox(@Payload() data: unknown): void {
    seen.push({ data, correlationId: getCorrelationId(), causationId: getCausationId() });
  }
}

/** The same handler with the interceptor on the controller, for apps without inheritAppConfig. */
@Controller()
@UseInterceptors(MessageContextInterceptor)
class DecoratedInboxController {
  @EventPattern('inbox')
  inbox(@Payload() data: unknown): void {
    seen.push({ data, correlationId: getCorrelationId(), causationId: getCausationId() });
  }
}

function hybridModule(url: string, controller: Type<unknown>) {
  @Module({
    imports: [
      CqrsModule.forRoot(),
      CqrsObservabilityModule.forRoot(),
      ClientsModule.register([
        { name: CLIENT, transport: Transport.NATS, options: { servers: [url] } },
      ]),
    ],
    controllers: [controller],
  })
  class HybridModule {}
  return HybridModule;
}

async function received(count: number): Promise<void> {
  for (let i = 0; i < 500 && seen.length < count; i++) {
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describeWithBroker(NATS_SERVER_BIN)('hybrid app with a connected NATS microservice', () => {
  let broker: Broker;
  let app: INestApplication | undefined;
  let sdk: TracingSdk;

  beforeAll(async () => {
    assertBrokerInstalled(NATS_SERVER_BIN, 'nats-server');
    sdk = startTracingSdk();
    broker = await startNats();
  });

  afterAll(async () => {
    await broker?.stop();
    await sdk?.shutdown();
  });

  afterEach(async () => {
    await app?.close();
    app = undefined;
    seen.length = 0;
  });

  async function start(inheritAppConfig: boolean, decorated: boolean): Promise<ClientProxy> {
    const controller = decorated ? DecoratedInboxController : InboxController;
    app = await NestFactory.create(hybridModule(broker.url, controller), { logger: false });
    app.connectMicroservice(
      { transport: Transport.NATS, options: { servers: [broker.url] } },
      { inheritAppConfig },
    );
    await app.startAllMicroservices();
    await app.init();
    return app.get<ClientProxy>(CLIENT);
  }

  async function emitInFlow(client: ClientProxy): Promise<void> {
    await runWithContext({ correlationId: 'hybrid-flow', causationId: 'cmd-h' }, () =>
      lastValueFrom(client.emit('inbox', { n: 1 }), { defaultValue: undefined }),
    );
    await received(1);
  }

  it('continues the flow with inheritAppConfig: true', async () => {
    await emitInFlow(await start(true, false));
    expect(seen).toEqual([{ data: { n: 1 }, correlationId: 'hybrid-flow', causationId: 'cmd-h' }]);
  });

  it('continues the flow with @UseInterceptors(MessageContextInterceptor) on the controller', async () => {
    await emitInFlow(await start(false, true));
    expect(seen).toEqual([{ data: { n: 1 }, correlationId: 'hybrid-flow', causationId: 'cmd-h' }]);
  });

  it('handles a message once when the interceptor is both global and on the controller', async () => {
    sdk.exporter.reset();
    await emitInFlow(await start(true, true));
    expect(seen).toHaveLength(1);
    expect(seen[0]!.correlationId).toBe('hybrid-flow');
    const consumers = sdk.exporter.getFinishedSpans().filter((s) => s.name === 'process inbox');
    expect(consumers).toHaveLength(1);
  });

  it('without either, the handler runs outside the flow (as the README says)', async () => {
    await emitInFlow(await start(false, false));
    expect(seen).toHaveLength(1);
    expect(seen[0]!.correlationId).toBeUndefined();
  });
});
