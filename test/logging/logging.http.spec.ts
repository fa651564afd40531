import { Controller, type INestApplication, Param, Post } from '@nestjs/common';
import { CommandBus, CqrsModule } from '@nestjs/cqrs';
import { Test } from '@nestjs/testing';
import { ClsModule } from 'nestjs-cls';
import { LoggerModule } from 'nestjs-pino';
import request from 'supertest';
import { CqrsObservabilityModule, cqrsLogMixin } from '../../lib';
import { ORDER_HANDLERS, PlaceOrderCommand } from '../fixtures/orders.fixture';
import { MemoryLogStream, PinoLevel } from './memory-log-stream';

@Controller('orders')
class OrdersController {
  constructor(private readonly commandBus: CommandBus) {}

  @Post(':sku')
  place(@Param('sku') sku: string): Promise<{ ok: boolean }> {
    return this.commandBus.execute(new PlaceOrderCommand({ sku, quantity: 1, mode: 'no-event' }));
  }
}

describe('logging inside HTTP requests', () => {
  const logs = new MemoryLogStream();
  let app: INestApplication;

  beforeAll(async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [
        ClsModule.forRoot({ global: true, middleware: { mount: true } }),
        CqrsModule.forRoot(),
        CqrsObservabilityModule.forRoot({ tracing: false, metrics: false, sentry: false }),
        LoggerModule.forRoot({
          pinoHttp: [{ level: 'debug', mixin: cqrsLogMixin() }, logs.stream],
        }),
      ],
      controllers: [OrdersController],
      providers: ORDER_HANDLERS,
    }).compile();
    app = moduleRef.createNestApplication({ logger: false });
    await app.init();
  });

  afterAll(() => app.close());

  beforeEach(() => logs.clear());

  it("carries the request's correlation id and the request's bindings", async () => {
    const response = await request(app.getHttpServer())
      .post('/orders/H-1')
      .set('x-correlation-id', 'abc-123')
      .expect(201);

    expect(response.headers['x-correlation-id']).toBe('abc-123');
    const [line, ...others] = logs.where({ message_type: 'PlaceOrderCommand' });
    expect(others).toHaveLength(0);
    expect(line).toMatchObject({
      level: PinoLevel.info,
      kind: 'command',
      outcome: 'success',
      correlation_id: 'abc-123',
      // pino-http's child logger of the request: its bindings come along.
      req: { id: expect.anything(), method: 'POST', url: '/orders/H-1' },
    });
    // pino-http's own access line gets the correlation id from the mixin, same request id.
    const [access] = logs.lines.filter((l) => l.msg === 'request completed');
    expect(access).toMatchObject({ correlation_id: 'abc-123', req: { id: line!.req.id } });
  });

  it('keeps concurrent requests apart', async () => {
    const server = app.getHttpServer();
    await Promise.all(
      ['r-1', 'r-2', 'r-3'].map((id) =>
        request(server).post(`/orders/${id}`).set('x-correlation-id', `flow-${id}`).expect(201),
      ),
    );

    const lines = logs.where({ message_type: 'PlaceOrderCommand' });
    expect(lines).toHaveLength(3);
    for (const line of lines) {
      const sku = String(line.req.url).split('/').pop();
      expect(line.correlation_id).toBe(`flow-${sku}`);
    }
    expect(new Set(lines.map((line) => line.req.id)).size).toBe(3);
  });
});
