import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect, createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Real brokers for the cross-service tests: Debian's `nats-server` and `rabbitmq-server`,
 * each a private instance on free loopback ports, stopped (with everything it started) when
 * its test ends. Locally a missing binary skips the suite; in CI (`process.env.CI`) it fails.
 */

export const NATS_SERVER_BIN = process.env.NATS_SERVER_BIN ?? '/usr/sbin/nats-server';
export const RABBITMQ_SERVER_BIN =
  process.env.RABBITMQ_SERVER_BIN ?? '/usr/lib/rabbitmq/bin/rabbitmq-server';
const EPMD_BIN = process.env.EPMD_BIN ?? 'epmd';
const START_LIMIT_MS = 60_000;

export interface Broker {
  readonly url: string;
  stop(): Promise<void>;
}

/** `describe`, or `describe.skip` when the broker is missing locally (never in CI). */
export function describeWithBroker(binary: string): jest.Describe {
  if (existsSync(binary)) return describe;
  if (process.env.CI) return describe;
  console.warn(`${binary} not found: install it (apt-get install) to run these tests`);
  return describe.skip;
}

export function assertBrokerInstalled(binary: string, debianPackage: string): void {
  if (!existsSync(binary)) {
    throw new Error(`${binary} not found: CI must install Debian's ${debianPackage} package`);
  }
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

async function waitForPort(port: number, child: ChildProcess, log: () => string): Promise<void> {
  const deadline = Date.now() + START_LIMIT_MS;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) {
      throw new Error(`broker exited with ${child.exitCode} before listening:\n${log()}`);
    }
    if (await portOpen(port)) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`broker did not listen on ${port} within ${START_LIMIT_MS} ms:\n${log()}`);
}

function capture(child: ChildProcess): () => string {
  let output = '';
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString('utf8')).slice(-8000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  return () => output;
}

/**
 * Kills the group when this process exits without having stopped it (a worker torn down
 * before its afterAll): a broker must never outlive its test run.
 */
function killOnExit(child: ChildProcess): void {
  const kill = () => {
    try {
      if (child.pid !== undefined && child.exitCode === null) process.kill(-child.pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
  };
  process.once('exit', kill);
  child.once('exit', () => process.off('exit', kill));
}

/** Stops a process group started with `detached: true`, waiting for its leader to exit. */
async function stopGroup(child: ChildProcess, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  try {
    process.kill(-child.pid, signal);
  } catch {
    return;
  }
  const timer = setTimeout(() => {
    try {
      process.kill(-child.pid!, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }, 10_000);
  await exited;
  clearTimeout(timer);
}

export async function startNats(): Promise<Broker> {
  const port = await freePort();
  const child = spawn(NATS_SERVER_BIN, ['-a', '127.0.0.1', '-p', String(port)], {
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  killOnExit(child);
  const log = capture(child);
  await waitForPort(port, child, log);
  return { url: `nats://127.0.0.1:${port}`, stop: () => stopGroup(child) };
}

/**
 * A private RabbitMQ node: its own node name, ports, data, logs, cookie (HOME) and epmd, so
 * it never meets a system instance. Debian's /usr/sbin wrapper would switch to the rabbitmq
 * user; the script under /usr/lib runs as the caller.
 */
export async function startRabbitMq(): Promise<Broker> {
  const dir = mkdtempSync(join(tmpdir(), 'cqrs-rabbitmq-'));
  writeFileSync(join(dir, 'enabled_plugins'), '[].\n');
  const [amqpPort, distPort, epmdPort] = [await freePort(), await freePort(), await freePort()];
  const epmd = spawn(EPMD_BIN, ['-port', String(epmdPort), '-address', '127.0.0.1'], {
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  killOnExit(epmd);
  const epmdLog = capture(epmd);
  await waitForPort(epmdPort, epmd, epmdLog);
  const env = {
    ...process.env,
    HOME: dir,
    RABBITMQ_NODENAME: `rabbit_test_${amqpPort}@localhost`,
    RABBITMQ_NODE_IP_ADDRESS: '127.0.0.1',
    RABBITMQ_NODE_PORT: String(amqpPort),
    RABBITMQ_DIST_PORT: String(distPort),
    ERL_EPMD_PORT: String(epmdPort),
    RABBITMQ_MNESIA_BASE: join(dir, 'mnesia'),
    RABBITMQ_LOG_BASE: join(dir, 'log'),
    RABBITMQ_ENABLED_PLUGINS_FILE: join(dir, 'enabled_plugins'),
    RABBITMQ_FEATURE_FLAGS_FILE: join(dir, 'feature_flags'),
    RABBITMQ_CONFIG_FILE: join(dir, 'none'),
    RABBITMQ_ADVANCED_CONFIG_FILE: join(dir, 'advanced.config'),
    RABBITMQ_PID_FILE: join(dir, 'rabbit.pid'),
    RABBITMQ_QUORUM_DIR: join(dir, 'quorum'),
    RABBITMQ_STREAM_DIR: join(dir, 'stream'),
  };
  const rabbit = spawn(RABBITMQ_SERVER_BIN, [], {
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
    env,
  });
  killOnExit(rabbit);
  const log = capture(rabbit);
  const stop = async () => {
    await stopGroup(rabbit);
    await stopGroup(epmd);
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await waitForPort(amqpPort, rabbit, log);
  } catch (error) {
    await stop();
    throw error;
  }
  return { url: `amqp://guest:guest@127.0.0.1:${amqpPort}`, stop };
}
