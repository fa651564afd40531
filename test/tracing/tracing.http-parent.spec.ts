import { Body, Controller, type INestApplication, Post } from '@nestjs/common';
import { CommandBus, CommandHandler, CqrsModule, type ICommandHandler } from '@nestjs/cqrs';
import { Test } from '@nestjs/testing';
import { context, propagation, ROOT_CONTEXT } from '@opentelemetry/api';
import type { NextFunction, Request, Response } from 'express';
import request from 'supertest';
import { BaseCommand, CqrsObservabilityModule, OpenTelemetrySpanFactory } from '../../lib';
import { ORDER_HANDLERS, PlaceOrderCommand } from '../fixtures/orders.fixture';
import { flush } from '../utils/create-app';
import { isChildOf, spanNamed, startTracingSdk, type TracingSdk } from './tracing-sdk';

/** Returns the headers an outgoing message would carry from inside its handler. */
class ForwardOrderCommand extends BaseCommand<Record<string, string>> {}

@CommandHandler(ForwardOrderCommand)
class ForwardOrderHandler implements ICommandHandler<ForwardOrderCommand> {
  private readonly spans = new OpenTelemetrySpanFactory();
  async execute(): Promise<Record<string, string>> {
    return this.spans.propagateContext<Record<string, string>>({});
  }
}

@Controller('orders')
class OrdersController {
  constructor(private readonly commandBus: CommandBus) {}

  @Post()
  async place(@Body() body: { sku: string; quantity: number }): Promise<{ ok: boolean }> {
    return this.commandBus.execute(
      new PlaceOrderCommand({ sku: body.sku, quantity: body.quantity }),
    );
  }

  @Post('forward')
  async forward(): Promise<Record<string, string>> {
    return this.commandBus.execute(new ForwardOrderCommand());
  }
}

const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const PARENT_SPAN_ID = '00f067aa0ba902b7';
const TRACEPARENT = `00-${TRACE_ID}-${PARENT_SPAN_ID}-01`;

let sdk: TracingSdk;
let app: INestApplication;

beforeAll(async () => {
  sdk = startTracingSdk();
  const moduleRef = await Test.createTestingModule({
    imports: [
      CqrsModule.forRoot(),
      CqrsObservabilityModule.forRoot({ metrics: false, logging: false, sentry: false }),
    ],
    controllers: [OrdersController],
    providers: [...ORDER_HANDLERS, ForwardOrderHandler],
  }).compile();
  app = moduleRef.createNestApplication({ logger: false });
  // What @opentelemetry/instrumentation-http does for real apps: the request runs in the
  // context extracted from its headers with the registered W3C propagator.
  app.use((req: Request, _res: Response, next: NextFunction) =>
    context.with(propagation.extract(ROOT_CONTEXT, req.headers), next),
  );
  await app.init();
});

afterAll(async () => {
  await app.close();
  await sdk.shutdown();
});

beforeEach(() => sdk.exporter.reset());

describe("tracing: an incoming HTTP request's trace as parent", () => {
  it('makes the command span a child of the traceparent, and the whole flow part of that trace', async () => {
    await request(app.getHttpServer())
      .post('/orders')
      .set('traceparent', TRACEPARENT)
      .send({ sku: 'SKU-1', quantity: 1 })
      .expect(201, { ok: true });
    await flush();
    const spans = sdk.exporter.getFinishedSpans();
    const command = spanNamed(spans, 'cqrs.PlaceOrderCommand');
    expect(command.spanContext().traceId).toBe(TRACE_ID);
    expect(command.parentSpanContext?.spanId).toBe(PARENT_SPAN_ID);
    expect(command.parentSpanContext?.isRemote).toBe(true);
    expect(spans.every((span) => span.spanContext().traceId === TRACE_ID)).toBe(true);
    expect(
      isChildOf(
        spanNamed(spans, 'cqrs.ReserveStockCommand'),
        spanNamed(spans, 'saga.run.OrderSaga'),
      ),
    ).toBe(true);
  });

  it('starts a new trace without a traceparent', async () => {
    await request(app.getHttpServer()).post('/orders').send({ sku: 'S', quantity: 1 }).expect(201);
    const command = spanNamed(sdk.exporter.getFinishedSpans(), 'cqrs.PlaceOrderCommand');
    expect(command.spanContext().traceId).not.toBe(TRACE_ID);
    expect(command.parentSpanContext).toBeUndefined();
  });

  it('propagates the command span to outgoing carriers as a W3C traceparent', async () => {
    const response = await request(app.getHttpServer())
      .post('/orders/forward')
      .set('traceparent', TRACEPARENT)
      .expect(201);
    const command = spanNamed(sdk.exporter.getFinishedSpans(), 'cqrs.ForwardOrderCommand');
    expect(response.body).toEqual({
      traceparent: `00-${TRACE_ID}-${command.spanContext().spanId}-01`,
    });
  });
});
