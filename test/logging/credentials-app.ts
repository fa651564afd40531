import { Controller, type INestApplication, Param, Post, Res } from '@nestjs/common';
import { CommandBus, CqrsModule } from '@nestjs/cqrs';
import { Test } from '@nestjs/testing';
import type { Response } from 'express';
import { ClsModule } from 'nestjs-cls';
import { LoggerModule } from 'nestjs-pino';
import request from 'supertest';
import { CqrsObservabilityModule, type cqrsPinoHttpOptions } from '../../lib';
import { ORDER_HANDLERS, PlaceOrderCommand } from '../fixtures/orders.fixture';
import type { MemoryLogStream } from './memory-log-stream';

const BEARER = 'sk_live_4eC39HqLyjWDarjtT1zdp7dc';
const COOKIE = 'sid=s%3AkPq8wZ1xY2vU3tR4sQ5pO6nM7';
const SET_COOKIE = 'refresh=r7Tt9Uu0Vv1Ww2Xx3Yy4Zz5; HttpOnly';
const API_KEY = 'ak-5f2b9c1d7e3a4b6c8d0e';

/** Every credential the requests carry (and the response sets), whole and in part. */
const SECRETS = [BEARER, COOKIE, SET_COOKIE, API_KEY, 'kPq8wZ1x', 'r7Tt9Uu0'];

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

/**
 * An HTTP app set up as the README's logging section says —
 * `LoggerModule.forRoot({ pinoHttp: cqrsPinoHttpOptions() })` — with the test's stream as pino's
 * destination instead of stdout.
 */
export async function startCredentialsApp(
  logs: MemoryLogStream,
  pinoHttp: ReturnType<typeof cqrsPinoHttpOptions>,
): Promise<INestApplication> {
  const moduleRef = await Test.createTestingModule({
    imports: [
      ClsModule.forRoot({ global: true, middleware: { mount: true } }),
      CqrsModule.forRoot(),
      CqrsObservabilityModule.forRoot(),
      LoggerModule.forRoot({ pinoHttp: [pinoHttp, logs.stream] }),
    ],
    controllers: [OrdersController],
    providers: ORDER_HANDLERS,
  }).compile();
  const app = moduleRef.createNestApplication({ logger: false });
  await app.init();
  return app;
}

/** A request carrying an Authorization header, a cookie, an API key and proxy credentials. */
export async function postWithCredentials(app: INestApplication): Promise<void> {
  await request(app.getHttpServer())
    .post('/orders/P-1')
    .set('Authorization', `Bearer ${BEARER}`)
    .set('Cookie', COOKIE)
    .set('X-API-Key', API_KEY)
    .set('Proxy-Authorization', `Basic ${API_KEY}`)
    .expect(201);
}

/** The credentials found in any line of the stream. */
export function leakedCredentials(logs: MemoryLogStream): string[] {
  const text = logs.lines.map((line) => JSON.stringify(line)).join('\n');
  return SECRETS.filter((secret) => text.includes(secret));
}
