import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OBSERVABILITY_DIR } from './prometheus-server';

/**
 * The stack a user copies from sample-app/observability/, checked with the real tools this
 * machine has: promtool (Debian's prometheus package) and docker-compose v1 (Debian's
 * docker-compose package; `config` validates against the Compose schema without a daemon).
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

describe('LogQL in the README', () => {
  it('selects the labels the shipped collector pipeline produces', () => {
    // The collector sets service.name; Loki's OTLP ingestion turns it into service_name.
    const collector = readFileSync(join(OBSERVABILITY_DIR, 'otel-collector.yml'), 'utf8');
    const serviceName = /key: service\.name\s+value: (\S+)/.exec(collector)?.[1];
    expect(serviceName).toBe('orders-sample');

    const block = /### LogQL \(Loki\)[\s\S]*?```logql\n([\s\S]*?)```/.exec(README)?.[1];
    expect(block).toBeDefined();
    const queries = block!.split('\n').filter((line) => line !== '' && !line.startsWith('#'));
    expect(queries.length).toBeGreaterThan(0);
    for (const query of queries) {
      const selectors = [...query.matchAll(/\{([^}]*)\}/g)].map((match) => match[1]);
      expect(selectors.length).toBeGreaterThan(0);
      for (const selector of selectors) expect(selector).toBe(`service_name="${serviceName}"`);
    }
  });
});
