import { Controller, Module } from '@nestjs/common';
import { CqrsModule } from '@nestjs/cqrs';
import { MessagePattern, Payload, type ClientProxy } from '@nestjs/microservices';
import { lastValueFrom } from 'rxjs';
import {
  CqrsObservabilityModule,
  getCausationId,
  getCorrelationId,
  messageEnvelope,
  MessagingAttributes,
  runWithContext,
} from '../../lib';
import { spanNamed, startTracingSdk, type TracingSdk } from '../tracing/tracing-sdk';
import { startTcpPair, type TcpPair } from './tcp-pair';

/** TCP carries no headers: a plain message starts a new flow, the explicit envelope continues it. */

@Controller()
class EchoController {
  @MessagePattern('ids')
  ids(@Payload() data: unknown) {
    return { data, correlationId: getCorrelationId(), causationId: getCausationId() };
  }
}

@Module({
  imports: [CqrsModule.forRoot(), CqrsObservabilityModule.forRoot()],
  controllers: [EchoController],
})
class EchoModule {}

describe('TCP: the explicit envelope', () => {
  let sdk: TracingSdk;
  let pair: TcpPair | undefined;
  let client: ClientProxy;

  beforeAll(async () => {
    sdk = startTracingSdk();
    pair = await startTcpPair(EchoModule);
    client = pair.client;
  });

  afterAll(async () => {
    await pair?.close();
    await sdk?.shutdown();
  });

  it('starts a new flow for a plain message (TCP has no headers)', async () => {
    const reply = await runWithContext({ correlationId: 'flow-plain' }, () =>
      lastValueFrom(client.send('ids', { sku: 'T-1' })),
    );
    expect(reply.data).toEqual({ sku: 'T-1' });
    expect(reply.correlationId).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('continues the flow through the envelope; the handler gets the payload unwrapped', async () => {
    sdk.exporter.reset();
    const reply = await runWithContext({ correlationId: 'flow-env', causationId: 'c-1' }, () =>
      lastValueFrom(client.send('ids', messageEnvelope({ sku: 'T-2' }))),
    );
    expect(reply).toEqual({
      data: { sku: 'T-2' },
      correlationId: 'flow-env',
      causationId: 'c-1',
    });
    const spans = sdk.exporter.getFinishedSpans();
    const producer = spanNamed(spans, 'send ids');
    const consumer = spanNamed(spans, 'process ids');
    expect(consumer.parentSpanContext?.spanId).toBe(producer.spanContext().spanId);
    expect(consumer.attributes[MessagingAttributes.MESSAGING_SYSTEM]).toBe('tcp');
    expect(consumer.attributes[MessagingAttributes.MESSAGE_ID]).toBe(
      producer.attributes[MessagingAttributes.MESSAGE_ID],
    );
  });
});
