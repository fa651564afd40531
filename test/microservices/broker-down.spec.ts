import { CqrsModule, EventBus, EventsHandler, type IEventHandler } from '@nestjs/cqrs';
import { ClientsModule, Transport, type ClientProxy } from '@nestjs/microservices';
import { Test, type TestingModule } from '@nestjs/testing';
import { SpanStatusCode } from '@opentelemetry/api';
import { Registry } from 'prom-client';
import { lastValueFrom } from 'rxjs';
import {
  BaseEvent,
  CqrsEventBridge,
  CqrsObservabilityModule,
  MessagingMetricNames,
  runWithContext,
} from '../../lib';
import { samplesOf } from '../metrics/prometheus-text';
import { startTracingSdk, type TracingSdk } from '../tracing/tracing-sdk';
import { freePort } from './brokers';

/** Nothing listens on the broker's port: the library must not change what the app sees. */

const CLIENT = Symbol('nats-client');

class OrderShippedEvent extends BaseEvent {
  declare readonly orderId: string;
}

const handled: string[] = [];

@EventsHandler(OrderShippedEvent)
class LocalHandler implements IEventHandler<OrderShippedEvent> {
  handle(event: OrderShippedEvent): void {
    handled.push(event.orderId);
  }
}

async function appWith(url: string, observe: boolean, registry?: Registry): Promise<TestingModule> {
  const moduleRef = await Test.createTestingModule({
    imports: [
      CqrsModule.forRoot(),
      ...(observe ? [CqrsObservabilityModule.forRoot({ metrics: { registry } })] : []),
      ClientsModule.register([
        {
          name: CLIENT,
          transport: Transport.NATS,
          options: { servers: [url], reconnect: false, timeout: 500 },
        },
      ]),
    ],
    providers: [LocalHandler],
  }).compile();
  await moduleRef.init();
  return moduleRef;
}

async function failureOf(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a failure');
}

describe('a broker that is down', () => {
  let sdk: TracingSdk;
  let url: string;

  beforeAll(async () => {
    sdk = startTracingSdk();
    url = `nats://127.0.0.1:${await freePort()}`;
  });

  afterAll(async () => {
    await sdk.shutdown();
  });

  it('fails emit() and send() exactly as without the module; the spans and metric say so', async () => {
    const bare = await appWith(url, false);
    const registry = new Registry();
    const observed = await appWith(url, true, registry);
    try {
      const calls = (app: TestingModule) => {
        const client = app.get<ClientProxy>(CLIENT);
        return runWithContext({ correlationId: 'down-flow' }, () =>
          Promise.all([
            failureOf(lastValueFrom(client.emit('orders.placed', { n: 1 }))),
            failureOf(lastValueFrom(client.send('stock.check', { n: 1 }))),
          ]),
        );
      };
      const [bareEmit, bareSend] = await calls(bare);
      const [emitError, sendError] = await calls(observed);
      for (const [ours, theirs] of [
        [emitError, bareEmit],
        [sendError, bareSend],
      ] as const) {
        expect(ours).toBeInstanceOf(Error);
        expect((ours as Error).constructor).toBe((theirs as Error).constructor);
        expect((ours as Error).message).toBe((theirs as Error).message);
      }
      const spans = sdk.exporter.getFinishedSpans();
      for (const name of ['send orders.placed', 'send stock.check']) {
        const span = spans.find((s) => s.name === name);
        expect(span?.status.code).toBe(SpanStatusCode.ERROR);
      }
      expect(
        samplesOf(await registry.metrics(), MessagingMetricNames.SENT, {
          transport: 'nats',
          pattern: 'orders.placed',
          outcome: 'error',
        })[0]?.value,
      ).toBe(1);
    } finally {
      await bare.close();
      await observed.close();
    }
  });

  it('never fails the local publish of a bridged event', async () => {
    const app = await appWith(url, true);
    try {
      app.get(CqrsEventBridge).publishTo({
        client: app.get<ClientProxy>(CLIENT),
        events: [OrderShippedEvent],
      });
      handled.length = 0;
      await app.get(EventBus).publish(new OrderShippedEvent({ orderId: 'o-1' }));
      for (let i = 0; i < 100 && handled.length === 0; i++) {
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      expect(handled).toEqual(['o-1']);
      // The failed emit settles on its span once the connection attempt gives up.
      let producer;
      for (let i = 0; i < 300 && producer === undefined; i++) {
        await new Promise((resolve) => setTimeout(resolve, 10));
        producer = sdk.exporter.getFinishedSpans().find((s) => s.name === 'send OrderShippedEvent');
      }
      expect(producer?.status.code).toBe(SpanStatusCode.ERROR);
    } finally {
      await app.close();
    }
  });
});
