import { Metadata } from '@grpc/grpc-js';
import { Controller, Module, type INestMicroservice } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { CqrsModule } from '@nestjs/cqrs';
import { ClientsModule, GrpcMethod, Transport, type ClientGrpc } from '@nestjs/microservices';
import { Test, type TestingModule } from '@nestjs/testing';
import { context, trace } from '@opentelemetry/api';
import { join } from 'node:path';
import { lastValueFrom, type Observable } from 'rxjs';
import {
  CqrsObservabilityModule,
  getCausationId,
  getCorrelationId,
  injectMessageContext,
  MessageHeaders,
  MessagingAttributes,
  runWithContext,
} from '../../lib';
import { spanNamed, startTracingSdk, type TracingSdk } from '../tracing/tracing-sdk';
import { freePort } from './brokers';

/**
 * gRPC has no emit/send to patch: the caller writes `injectMessageContext()` into the call's
 * Metadata, and the handler — found by the same global interceptor — runs in that flow.
 */

const PROTO = join(__dirname, 'fixtures/stock.proto');
const GRPC = Symbol('grpc-client');

interface CheckReply {
  sku: string;
  correlationId: string;
  causationId: string;
}

interface StockService {
  check(request: { sku: string }, metadata?: Metadata): Observable<CheckReply>;
}

@Controller()
class StockController {
  @GrpcMethod('StockService', 'Check')
  check(request: { sku: string }): CheckReply {
    return {
      sku: request.sku,
      correlationId: getCorrelationId() ?? '',
      causationId: getCausationId() ?? '',
    };
  }
}

@Module({
  imports: [CqrsModule.forRoot(), CqrsObservabilityModule.forRoot()],
  controllers: [StockController],
})
class StockModule {}

function metadataOf(headers: Record<string, string>): Metadata {
  const metadata = new Metadata();
  for (const [key, value] of Object.entries(headers)) metadata.set(key, value);
  return metadata;
}

describe('gRPC: the flow in call metadata', () => {
  let sdk: TracingSdk;
  let server: INestMicroservice;
  let caller: TestingModule;
  let stock: StockService;

  beforeAll(async () => {
    sdk = startTracingSdk();
    const url = `127.0.0.1:${await freePort()}`;
    server = await NestFactory.createMicroservice(StockModule, {
      transport: Transport.GRPC,
      options: { package: 'stock', protoPath: PROTO, url },
      logger: false,
    });
    await server.listen();
    caller = await Test.createTestingModule({
      imports: [
        ClientsModule.register([
          {
            name: GRPC,
            transport: Transport.GRPC,
            options: { package: 'stock', protoPath: PROTO, url },
          },
        ]),
      ],
    }).compile();
    await caller.init();
    stock = caller.get<ClientGrpc>(GRPC).getService<StockService>('StockService');
  });

  beforeEach(() => sdk.exporter.reset());

  afterAll(async () => {
    await caller?.close();
    await server?.close();
    await sdk?.shutdown();
  });

  it('continues the caller flow and trace from the metadata', async () => {
    const span = trace.getTracer('test').startSpan('caller');
    const headers = runWithContext({ correlationId: 'grpc-flow', causationId: 'cmd-7' }, () =>
      context.with(trace.setSpan(context.active(), span), () => injectMessageContext()),
    );
    span.end();
    const reply = await lastValueFrom(stock.check({ sku: 'G-1' }, metadataOf(headers)));
    expect(reply).toEqual({ sku: 'G-1', correlationId: 'grpc-flow', causationId: 'cmd-7' });
    const consumer = spanNamed(sdk.exporter.getFinishedSpans(), 'process StockService/Check');
    expect(consumer.parentSpanContext?.spanId).toBe(span.spanContext().spanId);
    expect(consumer.attributes).toMatchObject({
      [MessagingAttributes.MESSAGING_SYSTEM]: 'grpc',
      [MessagingAttributes.DESTINATION_NAME]: 'StockService/Check',
      [MessagingAttributes.MESSAGE_ID]: headers[MessageHeaders.MESSAGE_ID],
    });
  });

  it('drops hostile metadata and starts a new flow', async () => {
    const reply = await lastValueFrom(
      stock.check(
        { sku: 'G-2' },
        metadataOf({
          [MessageHeaders.CORRELATION_ID]: 'not valid!',
          [MessageHeaders.TRACEPARENT]: '00-00000000000000000000000000000000-0000000000000000-01',
        }),
      ),
    );
    expect(reply.correlationId).toMatch(/^[0-9a-f-]{36}$/);
    expect(reply.causationId).toBe('');
  });
});
