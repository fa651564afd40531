import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { composeSpecValidator } from './compose-spec';
import { logqlErrors, streamMatchers } from './logql';
import { OBSERVABILITY_DIR } from './prometheus-server';

/**
 * The stack a user copies from sample-app/observability/, checked with the real tools this
 * machine has: promtool (Debian's prometheus package), docker-compose v1 (Debian's
 * docker-compose package; `config` validates against its schema without a daemon), the
 * Compose Specification's JSON schema (what docker compose v2 validates against) and
 * Grafana's LogQL parser.
 */

const PROMTOOL = process.env.PROMTOOL_BIN ?? '/usr/bin/promtool';
const DOCKER_COMPOSE = process.env.DOCKER_COMPOSE_BIN ?? '/usr/bin/docker-compose';
const COMPOSE_FILE = join(OBSERVABILITY_DIR, 'docker-compose.observability.yml');
const README = readFileSync(join(__dirname, '../../README.md'), 'utf8');

// In CI a missing tool must fail, not skip.
const withTool = (bin: string) => (existsSync(bin) || process.env.CI ? describe : describe.skip);

function prometheusConfig(host: string, port: string): string {
  return execFileSync('/bin/sh', [join(OBSERVABILITY_DIR, 'prometheus-config.sh'), host], {
    env: { ...process.env, PORT: port },
    encoding: 'utf8',
  });
}

withTool(PROMTOOL)('the Prometheus config (promtool)', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'cqrs-promtool-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it.each([
    ['in compose', 'host.docker.internal'],
    ['without Docker', '127.0.0.1'],
  ])('targets the app on its PORT %s and is valid', (_where, host) => {
    const config = prometheusConfig(host, '4567');
    expect(config).toContain(`targets: ['${host}:4567']`);
    const file = join(dir, `${host}.yml`);
    writeFileSync(file, config);
    const output = execFileSync(PROMTOOL, ['check', 'config', file], { encoding: 'utf8' });
    expect(output).toContain('SUCCESS');
  });

  it('keeps the default port 3000 when PORT is unset', () => {
    const env = { ...process.env };
    delete env.PORT;
    const config = execFileSync(
      '/bin/sh',
      [join(OBSERVABILITY_DIR, 'prometheus-config.sh'), '127.0.0.1'],
      { env, encoding: 'utf8' },
    );
    expect(config).toContain("targets: ['127.0.0.1:3000']");
  });
});

withTool(DOCKER_COMPOSE)('the compose file (docker-compose v1 schema)', () => {
  it('is valid, and hands the app PORT to Prometheus', () => {
    const config = execFileSync(DOCKER_COMPOSE, ['-f', COMPOSE_FILE, 'config'], {
      env: { ...process.env, PORT: '4567' },
      encoding: 'utf8',
    });
    expect(config).toMatch(/prometheus:[\s\S]*PORT: '4567'/);
    expect(config).toContain('prometheus-config.sh');
  });
});

describe('the compose file (Compose Specification schema, as docker compose v2 reads it)', () => {
  const validate = composeSpecValidator();
  const compose = parseYaml(readFileSync(COMPOSE_FILE, 'utf8')) as {
    version?: unknown;
    services: Record<string, Record<string, unknown>>;
  };

  it('is valid', () => {
    expect(Object.keys(compose.services)).toEqual(
      expect.arrayContaining(['jaeger', 'prometheus', 'loki', 'grafana', 'otel-collector']),
    );
    expect(validate(compose)).toEqual([]);
  });

  it('has no top-level version (obsolete in the spec: v2 warns, v1.27+ does not need it)', () => {
    expect(compose).not.toHaveProperty('version');
  });

  it.each([
    ['a misspelt service key', { prots: ['9090:9090'] }],
    ['a port that is no port', { ports: ['90:90:90:90'] }],
    ['a duration that is no duration', { stop_grace_period: '10 seconds' }],
    ['an unknown depends_on condition', { depends_on: { loki: { condition: 'service_ok' } } }],
  ])('would fail on %s', (_what, change) => {
    const broken = {
      ...compose,
      services: { ...compose.services, grafana: { ...compose.services.grafana, ...change } },
    };
    expect(validate(broken)).not.toEqual([]);
  });
});

// Loki's OTLP ingestion indexes these resource attributes as stream labels (`.` becomes `_`);
// every other attribute is structured metadata, which a stream selector cannot match.
const LOKI_INDEX_ATTRIBUTES = new Set([
  'cloud.availability_zone',
  'cloud.region',
  'container.name',
  'deployment.environment',
  'k8s.cluster.name',
  'k8s.container.name',
  'k8s.cronjob.name',
  'k8s.daemonset.name',
  'k8s.deployment.name',
  'k8s.job.name',
  'k8s.namespace.name',
  'k8s.pod.name',
  'k8s.replicaset.name',
  'k8s.statefulset.name',
  'service.instance.id',
  'service.name',
  'service.namespace',
]);

interface CollectorConfig {
  processors: Record<
    string,
    { attributes?: Array<{ key: string; value?: unknown; action: string }> }
  >;
  exporters: Record<string, { endpoint?: string }>;
  service: { pipelines: Record<string, { processors?: string[]; exporters: string[] }> };
}

/** The stream labels (name → value) the shipped collector's logs pipeline gives Loki. */
function collectorStreamLabels(): Map<string, string> {
  const config = parseYaml(
    readFileSync(join(OBSERVABILITY_DIR, 'otel-collector.yml'), 'utf8'),
  ) as CollectorConfig;
  const logs = config.service.pipelines.logs!;
  expect(logs.exporters.some((name) => config.exporters[name]?.endpoint?.endsWith('/otlp'))).toBe(
    true,
  );
  const labels = new Map<string, string>();
  for (const name of logs.processors ?? []) {
    if (name.split('/')[0] !== 'resource') continue;
    for (const { key, value, action } of config.processors[name]?.attributes ?? []) {
      if (!['upsert', 'insert'].includes(action) || !LOKI_INDEX_ATTRIBUTES.has(key)) continue;
      labels.set(key.replaceAll('.', '_'), String(value));
    }
  }
  return labels;
}

/** What a query's stream selectors match that the pipeline does not produce. */
function unknownSelectors(query: string, labels: Map<string, string>): string[] {
  const matchers = streamMatchers(query);
  if (matchers.length === 0) return [`no stream selector in ${query}`];
  return matchers
    .filter(({ label, operator, value }) => operator !== '=' || labels.get(label) !== value)
    .map(({ label, operator, value }) => `${label}${operator}"${value}"`);
}

interface DashboardTarget {
  expr?: string;
  datasource?: { type?: string; uid?: string };
}

/** The LogQL of every Loki target of the shipped dashboards, and how many targets there are. */
function dashboardLogql(): { logql: string[]; targets: number } {
  const dir = join(OBSERVABILITY_DIR, 'grafana/dashboards');
  const logql: string[] = [];
  let targets = 0;
  for (const file of readdirSync(dir).filter((name) => name.endsWith('.json'))) {
    const dashboard = JSON.parse(readFileSync(join(dir, file), 'utf8')) as {
      panels: Array<{ datasource?: DashboardTarget['datasource']; targets?: DashboardTarget[] }>;
    };
    for (const panel of dashboard.panels) {
      for (const target of panel.targets ?? []) {
        targets++;
        const source = target.datasource ?? panel.datasource;
        if (source?.type === 'loki' || source?.uid === 'loki') logql.push(target.expr ?? '');
      }
    }
  }
  return { logql, targets };
}

function readmeLogql(): string[] {
  const block = /### LogQL \(Loki\)[\s\S]*?```logql\n([\s\S]*?)```/.exec(README)?.[1];
  expect(block).toBeDefined();
  return block!.split('\n').filter((line) => line !== '' && !line.startsWith('#'));
}

describe("LogQL in the README and the dashboards (Grafana's LogQL parser)", () => {
  const labels = collectorStreamLabels();
  const queries = [...readmeLogql(), ...dashboardLogql().logql];

  it('reads the stream labels the collector produces', () => {
    expect([...labels]).toEqual([['service_name', 'orders-sample']]);
    expect(readmeLogql().length).toBeGreaterThan(0);
    // The dashboards are read: a Loki panel added there is checked like the README's.
    expect(dashboardLogql().targets).toBeGreaterThan(0);
  });

  it.each(queries.map((query) => [query]))('parses and selects real labels: %s', (query) => {
    expect(logqlErrors(query)).toEqual([]);
    expect(unknownSelectors(query, labels)).toEqual([]);
  });

  it.each([
    ['an unclosed selector', '{service_name="orders-sample" | json'],
    [
      'an unclosed call',
      'sum by (message_type) (count_over_time({service_name="orders-sample"} [5m])',
    ],
    ['a range without a range function', '{service_name="orders-sample"} | json [5m]'],
    ['a bare label filter', '{service_name="orders-sample"} | outcome=error'],
  ])('would fail on %s', (_what, broken) => {
    expect(logqlErrors(broken)).not.toEqual([]);
  });

  it('would fail on a label the pipeline does not produce', () => {
    expect(logqlErrors('{app="orders"} | json')).toEqual([]);
    expect(unknownSelectors('{app="orders"} | json', labels)).toEqual(['app="orders"']);
    expect(unknownSelectors('{service_name=~"orders.*"}', labels)).toEqual([
      'service_name=~"orders.*"',
    ]);
  });
});
