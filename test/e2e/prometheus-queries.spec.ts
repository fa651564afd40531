import type { INestApplication } from '@nestjs/common';
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import request from 'supertest';
import { MetricNames } from '../../lib';
import { readAppConfig } from '../../sample-app/app.config';
import { createApp } from '../../sample-app/create-app';
import {
  PROMETHEUS_BIN,
  prometheusInstalled,
  shippedPrometheusConfig,
  startPrometheus,
  valueFor,
  type PrometheusResponse,
  type PrometheusServer,
} from './prometheus-server';

/**
 * The sample's dashboard queries, run by a real Prometheus (Debian's `prometheus` package)
 * scraping the sample app: a renamed metric or label in the library, or a typo in a panel,
 * fails here instead of leaving an empty Grafana panel.
 */

const OBSERVABILITY_DIR = join(__dirname, '../../sample-app/observability');

interface PanelQuery {
  readonly title: string;
  readonly expr: string;
}

const queries: PanelQuery[] = (
  JSON.parse(readFileSync(join(OBSERVABILITY_DIR, 'queries.json'), 'utf8')) as {
    panels: PanelQuery[];
  }
).panels;

const dashboard = JSON.parse(
  readFileSync(join(OBSERVABILITY_DIR, 'grafana/dashboards/cqrs-overview.json'), 'utf8'),
) as { panels: Array<{ title: string; targets?: Array<{ expr?: string }> }> };

function query(title: string): PanelQuery {
  const found = queries.find((q) => q.title.startsWith(title));
  if (found === undefined) throw new Error(`queries.json has no panel titled "${title}…"`);
  return found;
}

describe('dashboard queries (static)', () => {
  it('lists the five overview panels', () => {
    expect(queries.map((q) => q.expr)).toEqual([
      'sum by (kind, message_type) (rate(cqrs_message_total[5m]))',
      'histogram_quantile(0.95, sum by (le, kind, message_type) (rate(cqrs_message_duration_seconds_bucket[5m])))',
      'sum by (kind, message_type) (rate(cqrs_message_total{outcome="error"}[5m])) / sum by (kind, message_type) (rate(cqrs_message_total[5m]))',
      'sum by (event_type, handler) (rate(cqrs_event_handler_total{outcome="error"}[5m]))',
      'sum by (saga) (increase(cqrs_saga_stream_errors_total[1h]))',
    ]);
  });

  it('uses in every dashboard panel an expression of queries.json', () => {
    const exprs = dashboard.panels.flatMap((panel) =>
      (panel.targets ?? []).map((target) => target.expr),
    );
    expect(exprs.length).toBeGreaterThan(0);
    for (const expr of exprs) expect(queries.map((q) => q.expr)).toContain(expr);
  });

  it('names only metrics the library emits', () => {
    const emitted = new Set<string>(Object.values(MetricNames));
    for (const { expr } of queries) {
      for (const [name] of expr.matchAll(/\bcqrs_[a-z_]+/g)) {
        expect(emitted.has(name.replace(/_(bucket|sum|count)$/, ''))).toBe(true);
      }
    }
  });
});

if (!prometheusInstalled && !process.env.CI) {
  console.warn(
    `Skipping the Prometheus query checks: ${PROMETHEUS_BIN} not found. ` +
      'Install it with `sudo apt-get install prometheus` (Debian/Ubuntu) or point PROMETHEUS_BIN at a binary.',
  );
}
// In CI a missing binary must fail, not skip: .ci/run installs it.
const describeWithPrometheus = prometheusInstalled || process.env.CI ? describe : describe.skip;

describeWithPrometheus('dashboard queries against a real Prometheus scraping the sample', () => {
  let app: INestApplication;
  let prometheus: PrometheusServer;

  beforeAll(async () => {
    app = await createApp({ config: readAppConfig({}), logDestination: discard() });
    await app.listen(0, '127.0.0.1');
    const appPort = (app.getHttpServer().address() as AddressInfo).port;
    prometheus = await startPrometheus(shippedPrometheusConfig(appPort));

    // Traffic in two rounds, each seen by a scrape: rate() needs two samples of a series, and
    // only growth between them makes the throughput and error rate non-zero.
    await driveTraffic(app);
    await prometheus.waitFor('a first scrape of cqrs_message_total', async () => {
      const result = await instantQuery('cqrs_message_total{message_type="CreateOrderCommand"}');
      return (result.data?.result.length ?? 0) > 0;
    });
    await driveTraffic(app);
    await prometheus.waitFor('a scrape showing the second round', async () => {
      const result = await instantQuery(query('Error rate').expr);
      return valueFor(result, 'CreateOrderCommand') > 0;
    });
  });

  afterAll(async () => {
    await prometheus?.stop();
    await app?.close();
  });

  function instantQuery(expr: string): Promise<PrometheusResponse> {
    return prometheus.query(expr);
  }

  it.each(queries.map((q) => [q.title, q.expr]))('evaluates "%s"', async (_title, expr) => {
    const result = await instantQuery(expr);

    expect(result.error).toBeUndefined();
    expect(result.status).toBe('success');
    expect(result.data?.resultType).toBe('vector');
  });

  it('shows throughput per kind and message type', async () => {
    const result = await instantQuery(query('Throughput').expr);

    expect(valueFor(result, 'CreateOrderCommand')).toBeGreaterThan(0);
    expect(result.data!.result.map((s) => s.metric.kind)).toEqual(
      expect.arrayContaining(['command', 'query', 'event', 'saga']),
    );
  });

  it('shows a P95 latency for the commands', async () => {
    const result = await instantQuery(query('P95 latency').expr);

    const p95 = valueFor(result, 'CreateOrderCommand');
    expect(p95).toBeGreaterThan(0);
    expect(p95).toBeLessThanOrEqual(10);
  });

  it('shows the error rate of the failing command between 0 and 1', async () => {
    const result = await instantQuery(query('Error rate').expr);

    const errorRate = valueFor(result, 'CreateOrderCommand');
    expect(errorRate).toBeGreaterThan(0);
    expect(errorRate).toBeLessThan(1);
  });
});

/** Successful and failing orders, reads, a paged list and an invalid one. */
async function driveTraffic(app: INestApplication): Promise<void> {
  const http = () => request(app.getHttpServer());
  for (let i = 0; i < 3; i++) {
    const created = await http()
      .post('/orders')
      .send({ sku: 'BOOK-1', quantity: 1, email: 'ada@example.com' })
      .expect(201);
    await http().get(`/orders/${created.body.id}`).expect(200);
  }
  await http().get('/orders?page=1&pageSize=5').expect(200);
  await http().get('/orders?page=0').expect(400);
  await http().post('/orders/fail').expect(500);
}

function discard(): Writable {
  return new Writable({ write: (_chunk, _encoding, callback) => callback() });
}
