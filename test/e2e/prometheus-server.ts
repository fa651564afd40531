import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const PROMETHEUS_BIN = process.env.PROMETHEUS_BIN ?? '/usr/bin/prometheus';
export const prometheusInstalled = existsSync(PROMETHEUS_BIN);
// Bounds every wait on Prometheus (startup, scrapes): generous for a loaded CI machine.
const WAIT_LIMIT_MS = 60_000;

export interface PrometheusSample {
  readonly metric: Record<string, string>;
  readonly value: [number, string];
}

export interface PrometheusResponse {
  readonly status: string;
  readonly data?: { readonly resultType: string; readonly result: PrometheusSample[] };
  readonly error?: string;
}

/** A real Prometheus (Debian's package) in a temp dir. */
export interface PrometheusServer {
  readonly url: string;
  query(expr: string): Promise<PrometheusResponse>;
  waitFor(what: string, condition: () => Promise<boolean>): Promise<void>;
  stop(): Promise<void>;
}

export const OBSERVABILITY_DIR = join(__dirname, '../../sample-app/observability');

/**
 * The config the sample ships, as `run-prometheus-locally.sh` starts Prometheus with it: the
 * output of `prometheus-config.sh 127.0.0.1` for the app's PORT. Scrapes every second instead
 * of every five, so the tests wait less.
 */
export function shippedPrometheusConfig(appPort: number): string {
  const config = execFileSync(
    '/bin/sh',
    [join(OBSERVABILITY_DIR, 'prometheus-config.sh'), '127.0.0.1'],
    {
      env: { ...process.env, PORT: String(appPort) },
      encoding: 'utf8',
    },
  );
  return config.replace(/scrape_interval: 5s/g, 'scrape_interval: 1s');
}

/** Starts Prometheus with `config` (a prometheus.yml text). */
export async function startPrometheus(config: string): Promise<PrometheusServer> {
  if (!prometheusInstalled) {
    throw new Error(`${PROMETHEUS_BIN} not found: CI must install Debian's prometheus package`);
  }
  const workDir = mkdtempSync(join(tmpdir(), 'cqrs-prometheus-'));
  const configFile = join(workDir, 'prometheus.yml');
  writeFileSync(configFile, config);
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const child: ChildProcess = spawn(
    PROMETHEUS_BIN,
    [
      `--config.file=${configFile}`,
      `--storage.tsdb.path=${join(workDir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--log.level=warn',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  // Kept for the failure message: why Prometheus did not come up.
  let output = '';
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-4000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);

  const server: PrometheusServer = {
    url,
    async query(expr) {
      const response = await fetch(`${url}/api/v1/query?query=${encodeURIComponent(expr)}`);
      return (await response.json()) as PrometheusResponse;
    },
    async waitFor(what, condition) {
      const deadline = Date.now() + WAIT_LIMIT_MS;
      while (!(await condition())) {
        if (child.exitCode !== null) {
          throw new Error(`Prometheus exited while waiting for ${what}:\n${output}`);
        }
        if (Date.now() > deadline) {
          throw new Error(`Gave up waiting for ${what}. Prometheus said:\n${output}`);
        }
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
    },
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGTERM');
        await exited;
      }
      rmSync(workDir, { recursive: true, force: true });
    },
  };
  await server.waitFor('Prometheus ready', async () => {
    const response = await fetch(`${url}/-/ready`).catch(() => undefined);
    return response?.ok === true;
  });
  return server;
}

/** The value of the sample whose `message_type` label is `messageType`, else NaN. */
export function valueFor(response: PrometheusResponse, messageType: string): number {
  const sample = response.data?.result.find((s) => s.metric.message_type === messageType);
  return sample === undefined ? Number.NaN : Number(sample.value[1]);
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}
