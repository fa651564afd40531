import { Controller, type INestApplication, Param, Post, Res } from '@nestjs/common';
import { CommandBus, CqrsModule } from '@nestjs/cqrs';
import { Test } from '@nestjs/testing';
import type { Response } from 'express';
import { ClsModule } from 'nestjs-cls';
import { LoggerModule } from 'nestjs-pino';
import request from 'supertest';
import { CqrsObservabilityModule, cqrsPinoHttpOptions } from '../../lib';
import { ORDER_HANDLERS, PlaceOrderCommand } from '../fixtures/orders.fixture';
import { MemoryLogStream } from './memory-log-stream';

const BEARER = 'sk_live_4eC39HqLyjWDarjtT1zdp7dc';
const COOKIE = 'sid=s%3AkPq8wZ1xY2vU3tR4sQ5pO6nM7';
const SET_COOKIE = 'refresh=r7Tt9Uu0Vv1Ww2Xx3Yy4Zz5; HttpOnly';
const API_KEY = 'ak-5f2b9c1d7e3a4b6c8d0e';

@Controller('orders')
class OrdersController {
  constructor(private readonly commandBus: CommandBus) {}

  @Post(':sku')
  async place(
    @Param('sku') sku: string,
    @Res({ passthrough: true }) response: Response,
  ): Promise<{ ok: boolean }> {
    response.setHeader('set-cookie', SET_COOKIE);
    return this.commandBus.execute(new PlaceOrderCommand({ sku, quantity: 1, mode: 'no-event' }));
  }
}

const SECRETS = [BEARER, COOKIE, SET_COOKIE, API_KEY, 'kPq8wZ1x', 'r7Tt9Uu0'];

async function startApp(
  logs: MemoryLogStream,
  pinoHttp: ReturnType<typeof cqrsPinoHttpOptions>,
): Promise<INestApplication> {
  const moduleRef = await Test.createTestingModule({
    imports: [
      ClsModule.forRoot({ global: true, middleware: { mount: true } }),
      CqrsModule.forRoot(),
      CqrsObservabilityModule.forRoot(),
      // The README's snippet, `LoggerModule.forRoot({ pinoHttp: cqrsPinoHttpOptions() })`, with
      // the test's stream as pino's destination instead of stdout.
      LoggerModule.forRoot({ pinoHttp: [pinoHttp, logs.stream] }),
    ],
    controllers: [OrdersController],
    providers: ORDER_HANDLERS,
  }).compile();
  const app = moduleRef.createNestApplication({ logger: false });
  await app.init();
  return app;
}

async function postWithCredentials(app: INestApplication): Promise<void> {
  await request(app.getHttpServer())
    .post('/orders/P-1')
    .set('Authorization', `Bearer ${BEARER}`)
    .set('Cookie', COOKIE)
    .set('X-API-Key', API_KEY)
    .set('Proxy-Authorization', `Basic ${API_KEY}`)
    .expect(201);
}

function leaks(logs: MemoryLogStream): string[] {
  const text = logs.lines.map((line) => JSON.stringify(line)).join('\n');
  return SECRETS.filter((secret) => text.includes(secret));
}

describe('cqrsPinoHttpOptions() (the README logging setup)', () => {
  describe('as pasted', () => {
    const logs = new MemoryLogStream();
    let app: INestApplication;

    beforeAll(async () => {
      app = await startApp(logs, cqrsPinoHttpOptions());
    });

    afterAll(() => app.close());

    it('writes no credential header of the request or the response in any line', async () => {
      await postWithCredentials(app);

      const cqrsLines = logs.where({ message_type: 'PlaceOrderCommand' });
      const accessLines = logs.lines.filter((line) => line.msg === 'request completed');
      // Guards: both kinds of line were written, and the access line does show the headers.
      expect(cqrsLines).toHaveLength(1);
      expect(accessLines).toHaveLength(1);
      expect(accessLines[0]!.req.headers).toMatchObject({
        authorization: '***',
        cookie: '***',
        'x-api-key': '***',
        'proxy-authorization': '***',
      });
      expect(accessLines[0]!.res.headers['set-cookie']).toBe('***');
      expect(leaks(logs)).toEqual([]);
    });

    it('keeps req off the CQRS lines: only the request id joins them to the access line', async () => {
      logs.clear();
      await postWithCredentials(app);

      const [line] = logs.where({ message_type: 'PlaceOrderCommand' });
      const [access] = logs.lines.filter((l) => l.msg === 'request completed');
      expect(line).toBeDefined();
      expect(line!.req).toBeUndefined();
      expect(line!.reqId).toBe(access!.req.id);
      expect(typeof line!.correlation_id).toBe('string');
      expect(access!.correlation_id).toBe(line!.correlation_id);
    });
  });

  describe('with includeRequest: true', () => {
    const logs = new MemoryLogStream();
    let app: INestApplication;

    beforeAll(async () => {
      app = await startApp(logs, cqrsPinoHttpOptions({ includeRequest: true }));
    });

    afterAll(() => app.close());

    it('binds req to CQRS lines, its credential headers still redacted', async () => {
      await postWithCredentials(app);

      const [line] = logs.where({ message_type: 'PlaceOrderCommand' });
      expect(line!.req).toMatchObject({
        method: 'POST',
        url: '/orders/P-1',
        headers: { authorization: '***', cookie: '***' },
      });
      expect(leaks(logs)).toEqual([]);
    });
  });

  it('passes other pino-http options through and merges redaction paths and mixins', () => {
    const options = cqrsPinoHttpOptions({
      level: 'debug',
      autoLogging: false,
      redact: ['req.body.password'],
      redactPaths: ['req.headers["x-tenant-secret"]'],
      mixin: () => ({ service: 'orders' }),
    });
    expect(options).toMatchObject({ level: 'debug', autoLogging: false, quietReqLogger: true });
    expect(options.redact.paths).toEqual(
      expect.arrayContaining([
        'req.headers["authorization"]',
        'res.headers["set-cookie"]',
        'req.body.password',
        'req.headers["x-tenant-secret"]',
      ]),
    );
    expect(options.mixin({}, 30)).toEqual({ service: 'orders' });
    expect(() => cqrsPinoHttpOptions({ includeRequest: 'yes' as unknown as boolean })).toThrow(
      /includeRequest/,
    );
  });
});
