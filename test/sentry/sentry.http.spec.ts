import { Controller, Get, type INestApplication, Param, Post } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { CommandBus, CqrsModule } from '@nestjs/cqrs';
import { Test } from '@nestjs/testing';
import * as Sentry from '@sentry/nestjs';
import { SentryGlobalFilter, SentryModule } from '@sentry/nestjs/setup';
import { ClsModule } from 'nestjs-cls';
import request from 'supertest';
import { CqrsObservabilityModule } from '../../lib';
import { ORDER_HANDLERS, PlaceOrderCommand } from '../fixtures/orders.fixture';
import { RecordingTransport, sentryTestOptions } from './recording-transport';
import { ChargeCardCommand, SENTRY_FIXTURE_HANDLERS } from './sentry.fixture';

@Controller()
class OrdersController {
  constructor(private readonly commandBus: CommandBus) {}

  @Post('orders/:mode')
  place(@Param('mode') mode: 'reject' | 'sync-throw'): Promise<unknown> {
    return this.commandBus.execute(new PlaceOrderCommand({ sku: 'H-1', quantity: 1, mode }));
  }

  @Get('charges/:status')
  charge(@Param('status') status: string): Promise<void> {
    return this.commandBus.execute(new ChargeCardCommand({ status: Number(status) }));
  }
}

describe('Sentry next to SentryGlobalFilter', () => {
  const transport = new RecordingTransport();
  let app: INestApplication;

  beforeAll(async () => {
    Sentry.init(sentryTestOptions(transport));
    const moduleRef = await Test.createTestingModule({
      imports: [
        SentryModule.forRoot(),
        ClsModule.forRoot({ global: true, middleware: { mount: true } }),
        CqrsModule.forRoot(),
        CqrsObservabilityModule.forRoot({ tracing: false, metrics: false, logging: false }),
      ],
      controllers: [OrdersController],
      providers: [
        { provide: APP_FILTER, useClass: SentryGlobalFilter },
        ...ORDER_HANDLERS,
        ...SENTRY_FIXTURE_HANDLERS,
      ],
    }).compile();
    app = moduleRef.createNestApplication({ logger: false });
    await app.init();
  });

  afterAll(async () => {
    await app.close();
    await Sentry.close(2000);
  });

  beforeEach(() => transport.clear());

  it.each(['reject', 'sync-throw'])(
    'sends exactly one event for a command failing with %s in a request',
    async (mode) => {
      await request(app.getHttpServer())
        .post(`/orders/${mode}`)
        .set('x-correlation-id', 'req-42')
        .expect(500);
      await Sentry.flush(2000);

      const events = transport.events();
      expect(events).toHaveLength(1);
      expect(events[0]!.tags).toMatchObject({
        'cqrs.message_type': 'PlaceOrderCommand',
        'cqrs.kind': 'command',
        correlation_id: 'req-42',
      });
      expect(events[0]!.contexts.cqrs).toMatchObject({ handler: 'PlaceOrderHandler' });
    },
  );

  it('sends nothing for a 4xx HttpException and one event for a 5xx one', async () => {
    await request(app.getHttpServer()).get('/charges/400').expect(400);
    await request(app.getHttpServer()).get('/charges/502').expect(502);
    await Sentry.flush(2000);

    expect(transport.events().map((e) => e.exception.values[0].value)).toEqual([
      'card declined (502)',
    ]);
  });
});
