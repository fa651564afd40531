import type { INestApplication } from '@nestjs/common';
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import request from 'supertest';
import { readAppConfig } from '../../sample-app/app.config';
import { createApp } from '../../sample-app/create-app';
import {
  prometheusInstalled,
  shippedPrometheusConfig,
  startPrometheus,
  valueFor,
  type PrometheusServer,
} from './prometheus-server';

/**
 * A fresh process (its own file, so prom-client's default registry is new): the very first
 * failure must show in the README's error-rate query. With outcome series created on first
 * use at 1, Prometheus would see no increase and the panel would read nothing.
 */

const queries = (
  JSON.parse(
    readFileSync(join(__dirname, '../../sample-app/observability/queries.json'), 'utf8'),
  ) as { panels: Array<{ title: string; expr: string }> }
).panels;
const ERROR_RATE = queries.find((q) => q.title.startsWith('Error rate'))!.expr;
const COMMAND = 'CreateOrderCommand';

// In CI a missing binary must fail, not skip: .ci/run installs it.
const describeWithPrometheus = prometheusInstalled || process.env.CI ? describe : describe.skip;

describeWithPrometheus('the first failure of a fresh sample app, in Prometheus', () => {
  let app: INestApplication;
  let prometheus: PrometheusServer;

  beforeAll(async () => {
    app = await createApp({ config: readAppConfig({}), logDestination: discard() });
    await app.listen(0, '127.0.0.1');
    const port = (app.getHttpServer().address() as AddressInfo).port;
    prometheus = await startPrometheus(shippedPrometheusConfig(port));
  });

  afterAll(async () => {
    await prometheus?.stop();
    await app?.close();
  });

  it('is scraped at 0 before it happens; the error-rate query shows it, then the true share', async () => {
    // Before any request: both outcome series of the command exist, at 0.
    await prometheus.waitFor('the bootstrap series at 0', async () => {
      const result = await prometheus.query(`cqrs_message_total{message_type="${COMMAND}"}`);
      return (result.data?.result.length ?? 0) === 2;
    });
    const before = await prometheus.query(`cqrs_message_total{message_type="${COMMAND}"}`);
    expect(before.data!.result.map((s) => [s.metric.outcome, s.value[1]]).sort()).toEqual([
      ['error', '0'],
      ['success', '0'],
    ]);

    await request(app.getHttpServer()).post('/orders/fail').expect(500);

    await prometheus.waitFor('a scrape after the failure', async () => {
      const result = await prometheus.query(
        `cqrs_message_total{message_type="${COMMAND}",outcome="error"}`,
      );
      return Number(result.data?.result[0]?.value[1]) === 1;
    });
    const increase = await prometheus.query(
      `sum(increase(cqrs_message_total{message_type="${COMMAND}",outcome="error"}[5m]))`,
    );
    expect(Number(increase.data!.result[0]!.value[1])).toBeGreaterThan(0);
    expect(valueFor(await prometheus.query(ERROR_RATE), COMMAND)).toBe(1);

    // Three successes and a second failure: the panel reads the true share, 2 in 5.
    for (let i = 0; i < 3; i++) {
      await request(app.getHttpServer())
        .post('/orders')
        .send({ sku: 'BOOK-1', quantity: 1, email: 'ada@example.com' })
        .expect(201);
    }
    await request(app.getHttpServer()).post('/orders/fail').expect(500);

    await prometheus.waitFor('a scrape of all five', async () => {
      const result = await prometheus.query(`sum(cqrs_message_total{message_type="${COMMAND}"})`);
      return Number(result.data?.result[0]?.value[1]) === 5;
    });
    expect(valueFor(await prometheus.query(ERROR_RATE), COMMAND)).toBeCloseTo(2 / 5, 6);
  });
});

function discard(): Writable {
  return new Writable({ write: (_chunk, _encoding, callback) => callback() });
}
