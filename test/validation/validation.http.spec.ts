import { Controller, type INestApplication, Param, Post } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { CommandBus, CqrsModule } from '@nestjs/cqrs';
import { Test } from '@nestjs/testing';
import * as Sentry from '@sentry/nestjs';
import { SentryGlobalFilter, SentryModule } from '@sentry/nestjs/setup';
import request from 'supertest';
import { CqrsObservabilityModule, MessageValidationError } from '../../lib';
import { ORDER_HANDLERS, PlaceOrderCommand } from '../fixtures/orders.fixture';
import { RecordingTransport, sentryTestOptions } from '../sentry/recording-transport';

@Controller('orders')
class OrdersController {
  constructor(private readonly commandBus: CommandBus) {}

  /** `quantity` 0 breaks `@Min(1)`; `mode` reject fails in the handler (a real bug). */
  @Post(':quantity/:mode')
  place(@Param('quantity') quantity: string, @Param('mode') mode: 'ok' | 'reject'): unknown {
    return this.commandBus.execute(
      new PlaceOrderCommand({ sku: 'V-1', quantity: Number(quantity), mode }),
    );
  }
}

/** An HTTP app with no exception filter of its own, as `CqrsObservabilityModule.forRoot()` ships. */
async function httpApp(providers: unknown[] = [], imports: unknown[] = []) {
  const moduleRef = await Test.createTestingModule({
    imports: [...(imports as never[]), CqrsModule.forRoot(), CqrsObservabilityModule.forRoot()],
    controllers: [OrdersController],
    providers: [...ORDER_HANDLERS, ...(providers as never[])],
  }).compile();
  const app = moduleRef.createNestApplication({ logger: false });
  await app.init();
  return app;
}

describe('an invalid message reaching the HTTP layer', () => {
  const transport = new RecordingTransport();
  let app: INestApplication;

  beforeAll(() => {
    Sentry.init(sentryTestOptions(transport));
  });

  afterAll(async () => {
    await Sentry.close(2000);
  });

  afterEach(async () => {
    await app.close();
  });

  it('is a BadRequestException: 400 with every failing field, no app filter needed', async () => {
    app = await httpApp();
    const response = await request(app.getHttpServer()).post('/orders/0/ok').expect(400);

    expect(response.body).toEqual({
      statusCode: 400,
      error: 'Bad Request',
      message: 'PlaceOrderCommand failed validation',
      messageType: 'PlaceOrderCommand',
      errors: [{ property: 'quantity', constraints: { min: 'quantity must not be less than 1' } }],
    });
    // A valid message still goes through.
    await request(app.getHttpServer()).post('/orders/1/ok').expect(201);
  });

  it.each([
    ['without SentryGlobalFilter', [], []],
    [
      'next to SentryGlobalFilter',
      [{ provide: APP_FILTER, useClass: SentryGlobalFilter }],
      [SentryModule.forRoot()],
    ],
  ])('answers 400 and is not sent to Sentry %s, while a real failure is', async (_n, p, i) => {
    app = await httpApp(p, i);
    transport.clear();
    await request(app.getHttpServer()).post('/orders/0/ok').expect(400);
    await Sentry.flush(2000);
    expect(transport.events()).toHaveLength(0);

    // The guard: the same setup does send a failing command's error.
    await request(app.getHttpServer()).post('/orders/1/reject').expect(500);
    await Sentry.flush(2000);
    expect(transport.events()).toHaveLength(1);
    expect(transport.events()[0]!.exception.values[0].value).toBe('async failure');
  });
});

describe('MessageValidationError as an HttpException', () => {
  it('answers status 400 with the field list; the message keeps every field for logs', () => {
    const error = new MessageValidationError('PlaceOrderCommand', [
      { property: 'quantity', constraints: { min: 'quantity must not be less than 1' } },
    ]);
    expect(error.getStatus()).toBe(400);
    expect(error.getResponse().errors).toEqual([
      { property: 'quantity', constraints: { min: 'quantity must not be less than 1' } },
    ]);
    expect(error.message).toBe(
      'PlaceOrderCommand failed validation: quantity (min: quantity must not be less than 1)',
    );
  });
});
