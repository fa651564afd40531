import type { INestApplication } from '@nestjs/common';
import request from 'supertest';
import { readAppConfig } from '../../sample-app/app.config';
import { createApp } from '../../sample-app/create-app';
import { MemoryLogStream } from '../logging/memory-log-stream';
import { valueOf } from '../metrics/prometheus-text';
import { flush } from '../utils/create-app';

/**
 * The sample's demo failures, each on request, so every dashboard panel and alert can show
 * data: a failing command, a failing event handler, a saga that dies. Its own file and app:
 * a dead saga stays dead for the rest of the process.
 */

let app: INestApplication;
let logs: MemoryLogStream;

beforeAll(async () => {
  logs = new MemoryLogStream();
  app = await createApp({ config: readAppConfig({}), logDestination: logs.stream });
  await app.listen(0, '127.0.0.1');
});

afterAll(async () => {
  await app.close();
});

async function metrics(): Promise<string> {
  return (await request(app.getHttpServer()).get('/metrics').expect(200)).text;
}

it('POST /orders/fail-event: the order is created, its e-mail handler fails', async () => {
  const handler = {
    event_type: 'OrderCreatedEvent',
    handler: 'SendConfirmationEmailHandler',
    outcome: 'error',
  };
  expect(valueOf(await metrics(), 'cqrs_event_handler_total', handler)).toBe(0);

  await request(app.getHttpServer()).post('/orders/fail-event').expect(201);
  await flush();

  const text = await metrics();
  expect(valueOf(text, 'cqrs_event_handler_total', handler)).toBe(1);
  expect(
    valueOf(text, 'cqrs_message_total', {
      kind: 'command',
      message_type: 'CreateOrderCommand',
      outcome: 'success',
    }),
  ).toBeGreaterThan(0);
});

it('POST /orders/kill-saga: OrderSaga dies once, counted from 0', async () => {
  expect(valueOf(await metrics(), 'cqrs_saga_stream_errors_total', { saga: 'OrderSaga' })).toBe(0);

  await request(app.getHttpServer()).post('/orders/kill-saga').expect(201);
  await flush();

  expect(valueOf(await metrics(), 'cqrs_saga_stream_errors_total', { saga: 'OrderSaga' })).toBe(1);
});

it('POST /orders/fail: one outcome "error" line per failure, the audit line says succeeded: false', async () => {
  await request(app.getHttpServer())
    .post('/orders/fail')
    .set('x-correlation-id', 'failures-audit-1')
    .expect(500);
  await flush();

  const lines = logs.lines.filter((line) => line.correlation_id === 'failures-audit-1');
  // The guard: both the library's line and the audit line were written.
  expect(lines.filter((line) => line.audit === true && line.succeeded === false)).toHaveLength(1);
  expect(lines.filter((line) => line.outcome === 'error')).toEqual([
    expect.objectContaining({ kind: 'command', message_type: 'CreateOrderCommand' }),
  ]);
});
