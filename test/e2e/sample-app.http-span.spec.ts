import type { INestApplication } from '@nestjs/common';
import { context, SpanKind, trace } from '@opentelemetry/api';
import { RPCType, setRPCMetadata, type RPCMetadata } from '@opentelemetry/core';
import type { NextFunction, Request, Response } from 'express';
import { Writable } from 'node:stream';
import request from 'supertest';
import { readAppConfig } from '../../sample-app/app.config';
import { createApp } from '../../sample-app/create-app';
import { startTracingSdk, type TracingSdk } from '../tracing/tracing-sdk';

/**
 * The sample's HTTP server spans are named after their route. @opentelemetry/instrumentation-http
 * cannot patch `http` under Jest (its require hook does not see Jest's module loader), so a
 * middleware plays its server half, as its source does: a SERVER span named after the method,
 * RPC metadata in the request's context, and at the end of the response the name
 * `${method} ${route}` when something set the route.
 */

let sdk: TracingSdk;
let app: INestApplication;

function serverSpans(req: Request, res: Response, next: NextFunction): void {
  const span = trace.getTracer('http-server').startSpan(req.method, { kind: SpanKind.SERVER });
  const metadata: RPCMetadata = { type: RPCType.HTTP, span };
  res.on('finish', () => {
    if (metadata.route !== undefined) {
      span.updateName(`${req.method} ${metadata.route}`);
      span.setAttribute('http.route', metadata.route);
    }
    span.end();
  });
  context.with(setRPCMetadata(trace.setSpan(context.active(), span), metadata), next);
}

beforeAll(async () => {
  sdk = startTracingSdk();
  app = await createApp({ config: readAppConfig({}), logDestination: discard() });
  app.use(serverSpans);
  await app.listen(0, '127.0.0.1');
});

afterAll(async () => {
  await app.close();
  await sdk.shutdown();
});

it('names each server span after its route', async () => {
  const created = await request(app.getHttpServer())
    .post('/orders')
    .send({ sku: 'BOOK-1', quantity: 1, email: 'ada@example.com' })
    .expect(201);
  await request(app.getHttpServer()).get(`/orders/${created.body.id}`).expect(200);
  await request(app.getHttpServer()).get('/orders/stats').expect(200);

  const servers = sdk.exporter
    .getFinishedSpans()
    .filter((span) => span.kind === SpanKind.SERVER)
    .map((span) => [span.name, span.attributes['http.route']]);
  expect(servers).toEqual([
    ['POST /orders', '/orders'],
    ['GET /orders/:id', '/orders/:id'],
    ['GET /orders/stats', '/orders/stats'],
  ]);
});

function discard(): Writable {
  return new Writable({ write: (_chunk, _encoding, callback) => callback() });
}
