/**
 * `npm run sample:distributed`: the orders sample and the warehouse service against a local
 * nats-server, one order placed, and the one correlation id both services logged — with the
 * cross-service span lines of its trace. Everything it starts is stopped at the end.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';

const DIST = __dirname;
const NATS_SERVER =
  process.env.NATS_SERVER_BIN ??
  ['/usr/sbin/nats-server', '/usr/bin/nats-server', '/usr/local/bin/nats-server'].find(
    existsSync,
  ) ??
  'nats-server';
const WAIT_LIMIT_MS = 30_000;

interface Service {
  readonly name: string;
  readonly child: ChildProcess;
  readonly lines: string[];
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

const running = new Set<Service>();

function start(name: string, command: string, args: string[], env: NodeJS.ProcessEnv): Service {
  const child = spawn(command, args, { env: { ...process.env, ...env }, stdio: 'pipe' });
  const lines: string[] = [];
  let rest = '';
  const collect = (chunk: Buffer) => {
    const text = rest + chunk.toString('utf8');
    const parts = text.split('\n');
    rest = parts.pop() ?? '';
    lines.push(...parts);
  };
  child.stdout.on('data', collect);
  child.stderr.on('data', collect);
  const service = { name, child, lines };
  running.add(service);
  child.once('exit', () => running.delete(service));
  return service;
}

async function waitFor(what: string, check: () => boolean | Promise<boolean>): Promise<void> {
  const deadline = Date.now() + WAIT_LIMIT_MS;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function stop(service: Service): Promise<void> {
  const { child } = service;
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
  await exited;
  clearTimeout(timer);
}

function node(script: string): string[] {
  return ['-r', join(DIST, 'instrument.js'), join(DIST, script)];
}

async function main(): Promise<void> {
  const natsPort = await freePort();
  const httpPort = await freePort();
  const natsUrl = `nats://127.0.0.1:${natsPort}`;
  const services: Service[] = [];
  try {
    const nats = start('nats', NATS_SERVER, ['-a', '127.0.0.1', '-p', String(natsPort)], {});
    services.push(nats);
    await waitFor('nats-server', () => nats.lines.some((l) => l.includes('Server is ready')));
    const warehouse = start('warehouse', process.execPath, node('warehouse/main.js'), {
      NATS_URL: natsUrl,
      OTEL_SERVICE_NAME: 'warehouse-sample',
    });
    services.push(warehouse);
    const orders = start('orders', process.execPath, node('main.js'), {
      NATS_URL: natsUrl,
      PORT: String(httpPort),
    });
    services.push(orders);
    await waitFor('the warehouse', () =>
      warehouse.lines.some((l) => l.includes('warehouse-sample listening')),
    );
    await waitFor('the orders service', () =>
      orders.lines.some((l) => l.includes('orders-sample listening')),
    );

    const correlationId = `distributed-demo-${Date.now()}`;
    const response = await fetch(`http://127.0.0.1:${httpPort}/orders`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-correlation-id': correlationId },
      body: JSON.stringify({ sku: 'BOOK-1', quantity: 2, email: 'ada@example.com' }),
    });
    if (response.status !== 201) throw new Error(`POST /orders answered ${response.status}`);
    const seenIn = (service: Service) => service.lines.filter((l) => l.includes(correlationId));
    await waitFor('the warehouse to reserve the stock', () =>
      seenIn(warehouse).some((l) => l.includes('stock reserved')),
    );
    await waitFor('the orders spans', () =>
      seenIn(orders).some((l) => l.startsWith('span send warehouse.reserve-stock')),
    );

    const traces = new Set<string>();
    const out: string[] = ['', `POST /orders  x-correlation-id: ${correlationId}`, ''];
    for (const service of [orders, warehouse]) {
      out.push(`── ${service.name}: lines with ${correlationId}`);
      for (const line of seenIn(service)) {
        out.push(`   ${line.length > 220 ? `${line.slice(0, 217)}...` : line}`);
        const trace = /"trace_id":"([0-9a-f]{32})"|trace=([0-9a-f]{32})/.exec(line);
        if (trace) traces.add(trace[1] ?? trace[2]!);
      }
    }
    const inBoth = seenIn(orders).length > 0 && seenIn(warehouse).length > 0;
    out.push(
      '',
      `correlation id seen in both services: ${inBoth ? correlationId : 'NO'}`,
      `trace ids on those lines: ${[...traces].join(', ') || 'none'}`,
      '',
    );
    process.stdout.write(out.join('\n'));
    if (!inBoth || traces.size !== 1) process.exitCode = 1;
  } finally {
    for (const service of services.reverse()) await stop(service);
  }
}

// Ctrl-C or a supervisor's SIGTERM: stop what was started, then leave.
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    for (const service of running) service.child.kill('SIGTERM');
    process.exit(130);
  });
}

main().catch((error: unknown) => {
  console.error('sample:distributed failed:', error);
  process.exit(1);
});
