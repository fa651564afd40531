// The matrix's cross-service check: the correlation id of an HTTP request crosses a real
// nats-server (Debian's, started here) into an @EventPattern handler and the command it
// dispatches, with the sent message as their causation.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { after, before, test } from 'node:test';
import { acceptingConnections, freePort } from './ports.mjs';

const NATS_SERVER = process.env.NATS_SERVER_BIN ?? '/usr/sbin/nats-server';
const NATS_PORT = await freePort();
const PORT = await freePort();
const BASE = `http://127.0.0.1:${PORT}`;
const FLOW = 'compat-shipping-1';

let broker;
let app;
let output = '';

async function eventually(probe, what, timeoutMs = 15000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value) return value;
    if (Date.now() > deadline)
      throw new Error(`timed out waiting for ${what}:\n${output.slice(-3000)}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

before(async () => {
  assert.ok(existsSync(NATS_SERVER), `${NATS_SERVER} missing: install Debian's nats-server`);
  broker = spawn(NATS_SERVER, ['-a', '127.0.0.1', '-p', String(NATS_PORT)], { stdio: 'ignore' });
  // The app's NATS client gives up at once on a refused connection: the broker must be up.
  await acceptingConnections(NATS_PORT);
  app = spawn(process.execPath, ['./dist/harness/microservices/shipping.main.js'], {
    env: { ...process.env, PORT: String(PORT), NATS_URL: `nats://127.0.0.1:${NATS_PORT}` },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  app.stdout.on('data', (chunk) => (output += chunk));
  app.stderr.on('data', (chunk) => (output += chunk));
  await eventually(async () => (await fetch(`${BASE}/shipments`)).ok, 'the shipping app');
});

after(async () => {
  for (const child of [app, broker]) {
    if (child && child.exitCode === null) {
      child.kill('SIGTERM');
      await once(child, 'exit');
    }
  }
});

test('the flow crosses NATS: same correlation id, causation continues', async () => {
  const response = await fetch(`${BASE}/ship`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-correlation-id': FLOW },
    body: JSON.stringify({ orderId: 'o-1' }),
  });
  assert.equal(response.status, 201, output.slice(-2000));
  const { requestId } = await response.json();
  const [shipment] = await eventually(async () => {
    const list = await (await fetch(`${BASE}/shipments`)).json();
    return list.length ? list : undefined;
  }, 'the shipment');
  assert.equal(shipment.orderId, 'o-1');
  assert.equal(shipment.correlationId, FLOW);
  // The message was sent while RequestShipmentCommand was handled: that command is the
  // @EventPattern handler's causation; the command the handler dispatched is caused by the
  // message itself (its id travelled in the headers).
  assert.equal(shipment.handlerCausationId, requestId);
  assert.match(shipment.causationId ?? '', /^[A-Za-z0-9._:-]{1,128}$/);
  assert.notEqual(shipment.causationId, requestId);
});
