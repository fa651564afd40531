import { Logger } from '@nestjs/common';
import { CqrsModule } from '@nestjs/cqrs';
import { ClientNats, type ReadPacket } from '@nestjs/microservices';
import { Test } from '@nestjs/testing';
import { propagation } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { Registry } from 'prom-client';
import { lastValueFrom } from 'rxjs';
import {
  CqrsObservabilityModule,
  injectMessageContext,
  runWithContext,
  runWithMessageContext,
  type CqrsObservabilityModuleOptions,
} from '../lib';
import type { Variant } from './harness';

/**
 * A NATS client whose hand-off costs nothing but Nest's own serialisation (JSON codec and
 * headers): what is left to measure is what propagation adds per message.
 */
class InMemoryNatsClient extends ClientNats {
  override connect(): Promise<any> {
    return Promise.resolve();
  }

  protected override dispatchEvent(packet: ReadPacket): Promise<any> {
    this.serializer.serialize(packet);
    return Promise.resolve();
  }
}

const CLIENT = Symbol('bench-nats-client');
const DATA = { orderId: 'order-1', sku: 'SKU-1', quantity: 2 };

async function emitVariant(
  name: string,
  observability: CqrsObservabilityModuleOptions | undefined,
): Promise<Variant> {
  Logger.overrideLogger(false);
  const moduleRef = await Test.createTestingModule({
    imports: [
      CqrsModule.forRoot(),
      ...(observability ? [CqrsObservabilityModule.forRoot(observability)] : []),
    ],
    providers: [
      {
        provide: CLIENT,
        useFactory: () => new InMemoryNatsClient({ servers: ['nats://127.0.0.1:4222'] }),
      },
    ],
  }).compile();
  await moduleRef.init();
  const client = moduleRef.get<InMemoryNatsClient>(CLIENT);
  // Inside a flow, as a handler's emit is.
  return {
    name,
    dispatch: () =>
      runWithContext({ correlationId: 'flow-1' }, () =>
        lastValueFrom(client.emit('orders.placed', DATA), { defaultValue: undefined }),
      ),
    close: () => moduleRef.close(),
  };
}

/** The propagation group: the producer side per emit, and the consumer side's restore. */
export async function propagationVariants(): Promise<Variant[]> {
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  const headers = runWithContext({ correlationId: 'flow-1', causationId: 'cmd-1' }, () =>
    injectMessageContext(),
  );
  const handler = async () => undefined;
  return [
    await emitVariant('emit, no module', undefined),
    await emitVariant('emit, module (spans + headers + metrics)', {
      metrics: { registry: new Registry() },
    }),
    await emitVariant('emit, module, metrics off', { metrics: false }),
    await emitVariant('emit, module, tracing off', {
      tracing: false,
      metrics: { registry: new Registry() },
    }),
    await emitVariant('emit, module, tracing and metrics off', {
      tracing: false,
      metrics: false,
    }),
    {
      name: 'consume: handler called directly',
      dispatch: handler,
      close: async () => undefined,
    },
    {
      name: 'consume: runWithMessageContext(headers)',
      dispatch: () => runWithMessageContext(headers, handler),
      close: async () => undefined,
    },
  ];
}
