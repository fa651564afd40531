import { Body, Controller, INestApplication, Post } from '@nestjs/common';
import { CommandBus, CqrsModule } from '@nestjs/cqrs';
import { Test } from '@nestjs/testing';
import { ClsModule, ClsModuleOptions } from 'nestjs-cls';
import request from 'supertest';
import {
  CqrsObservabilityModule,
  CqrsObservabilityModuleOptions,
  getCorrelationId,
} from '../../lib';
import { ORDER_HANDLERS, PlaceOrderCommand, Recorder } from '../fixtures/orders.fixture';
import { flush } from '../utils/create-app';

@Controller('orders')
class OrdersController {
  constructor(private readonly commandBus: CommandBus) {}

  @Post()
  async create(
    @Body() body: { sku: string; delayMs?: number },
  ): Promise<{ correlationId?: string }> {
    if (body.delayMs) await new Promise((resolve) => setTimeout(resolve, body.delayMs));
    await this.commandBus.execute(
      new PlaceOrderCommand({ sku: body.sku, quantity: 1, mode: 'no-event' }),
    );
    return { correlationId: getCorrelationId() };
  }
}

async function createHttpApp(
  cls: ClsModuleOptions,
  observability: CqrsObservabilityModuleOptions = {},
): Promise<INestApplication> {
  const moduleRef = await Test.createTestingModule({
    imports: [
      ClsModule.forRoot({ global: true, ...cls }),
      CqrsModule.forRoot(),
      CqrsObservabilityModule.forRoot(observability),
    ],
    controllers: [OrdersController],
    providers: ORDER_HANDLERS,
  }).compile();
  const app = moduleRef.createNestApplication({ logger: false });
  await app.init();
  return app;
}

const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe.each([
  ['middleware', { middleware: { mount: true } }],
  ['guard', { guard: { mount: true } }],
  ['interceptor', { interceptor: { mount: true } }],
] as const)('correlation over HTTP with a ClsModule %s mount', (_mount, clsOptions) => {
  let app: INestApplication;

  beforeAll(async () => {
    app = await createHttpApp(clsOptions as ClsModuleOptions);
  });
  afterAll(async () => {
    await app.close();
  });

  it('honours a valid x-correlation-id, echoes it, and the handler sees it', async () => {
    const recorder = app.get(Recorder);
    recorder.seen.length = 0;
    const response = await request(app.getHttpServer())
      .post('/orders')
      .set('x-correlation-id', 'order-flow:42')
      .send({ sku: 'A' })
      .expect(201);
    expect(response.headers['x-correlation-id']).toBe('order-flow:42');
    expect(response.body.correlationId).toBe('order-flow:42');
    expect(recorder.seen.find((s) => s.where === 'PlaceOrderHandler')?.correlationId).toBe(
      'order-flow:42',
    );
  });

  it('accepts x-request-id when there is no correlation header', async () => {
    const response = await request(app.getHttpServer())
      .post('/orders')
      .set('x-request-id', 'req-7')
      .send({ sku: 'A' })
      .expect(201);
    expect(response.headers['x-correlation-id']).toBe('req-7');
  });

  it('generates a UUID v4 when no header is sent, and echoes it', async () => {
    const response = await request(app.getHttpServer())
      .post('/orders')
      .send({ sku: 'A' })
      .expect(201);
    expect(response.headers['x-correlation-id']).toMatch(UUID_V4);
    expect(response.body.correlationId).toBe(response.headers['x-correlation-id']);
  });

  it.each([
    ['too long', 'a'.repeat(129)],
    ['markup', '<script>alert(1)</script>'],
    ['spaces', 'two words'],
    ['an e-mail', 'someone@example.com'],
  ])(
    'drops a %s header value and uses a new id, never echoing the raw value',
    async (_what, value) => {
      const response = await request(app.getHttpServer())
        .post('/orders')
        .set('x-correlation-id', value)
        .send({ sku: 'A' })
        .expect(201);
      expect(response.headers['x-correlation-id']).toMatch(UUID_V4);
      expect(JSON.stringify(response.headers)).not.toContain(value);
    },
  );

  it('accepts exactly 128 characters of the allowed alphabet', async () => {
    const id = 'A1._:-'.repeat(21) + 'ab';
    expect(id).toHaveLength(128);
    const response = await request(app.getHttpServer())
      .post('/orders')
      .set('x-correlation-id', id)
      .send({ sku: 'A' })
      .expect(201);
    expect(response.headers['x-correlation-id']).toBe(id);
  });
});

describe('correlation options over HTTP', () => {
  it('reads and echoes a custom header, and can stop echoing', async () => {
    const app = await createHttpApp(
      { middleware: { mount: true } },
      { correlation: { header: 'X-Flow-Id', echo: false } },
    );
    const response = await request(app.getHttpServer())
      .post('/orders')
      .set('x-flow-id', 'flow-1')
      .send({ sku: 'A' })
      .expect(201);
    expect(response.body.correlationId).toBe('flow-1');
    expect(response.headers['x-flow-id']).toBeUndefined();
    await app.close();
  });
});

describe('hundreds of concurrent requests', () => {
  it('never see each other ids', async () => {
    const app = await createHttpApp({ middleware: { mount: true } });
    await app.listen(0);
    const server = app.getHttpServer();
    const recorder = app.get(Recorder);
    recorder.seen.length = 0;
    const ids = Array.from({ length: 300 }, (_, i) => `flow-${i}`);
    const responses = await Promise.all(
      ids.map((id, i) =>
        request(server)
          .post('/orders')
          .set('x-correlation-id', id)
          .send({ sku: `sku-${i}`, delayMs: i % 7 }),
      ),
    );
    responses.forEach((response, i) => {
      expect(response.status).toBe(201);
      expect(response.body.correlationId).toBe(ids[i]);
      expect(response.headers['x-correlation-id']).toBe(ids[i]);
    });
    await flush();
    const seenIds = recorder.seen
      .filter((s) => s.where === 'PlaceOrderHandler')
      .map((s) => s.correlationId);
    expect(new Set(seenIds)).toEqual(new Set(ids));
    await app.close();
  });
});
