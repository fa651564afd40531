// The compatibility e2e test: the README's quick start, built in a scratch app from the packed
// library, started as a real process with real sinks, exercised over HTTP. Runs under
// `node --test` with whichever Node the matrix line names.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { after, before, test } from 'node:test';
import { freePort } from './ports.mjs';

const PRELOAD = process.env.COMPAT_MODULE === 'esm' ? '--import' : '--require';
const PORT = await freePort();
const BASE = `http://127.0.0.1:${PORT}`;
const FLOW = 'compat-flow-1';
const FAILING_FLOW = 'compat-flow-2';

/** @type {import('node:child_process').ChildProcess} */
let app;
/** Every JSON line the app wrote to stdout (pino). */
const lines = [];
let output = '';

async function eventually(probe, what, timeoutMs = 15000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value) return value;
    if (Date.now() > deadline) {
      throw new Error(`timed out waiting for ${what}; app output:\n${output.slice(-4000)}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

function telemetry() {
  return new Promise((resolve) => {
    app.once('message', resolve);
    app.send('telemetry');
  });
}

before(async () => {
  app = spawn(
    process.execPath,
    [PRELOAD, './dist/harness/instrument.js', './dist/readme/main.js'],
    {
      env: { ...process.env, PORT: String(PORT) },
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    },
  );
  let pending = '';
  app.stdout.on('data', (chunk) => {
    output += chunk;
    pending += chunk;
    const parts = pending.split('\n');
    pending = parts.pop();
    for (const text of parts) {
      if (text.startsWith('{')) lines.push(JSON.parse(text));
    }
  });
  app.stderr.on('data', (chunk) => (output += chunk));
  await eventually(async () => (await fetch(`${BASE}/metrics`)).ok, 'the app to listen');
});

after(async () => {
  if (app.exitCode === null) {
    app.kill('SIGTERM');
    await once(app, 'exit');
  }
});

let created;

test('a command over HTTP: the result, the correlation id echoed', async () => {
  const response = await fetch(`${BASE}/orders`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'x-correlation-id': FLOW,
      authorization: 'Bearer compat-secret-token',
      cookie: 'session=compat-cookie-secret',
    },
    body: JSON.stringify({ sku: 'A-1', quantity: 2, email: 'ada@example.com' }),
  });
  assert.equal(response.status, 201, output.slice(-2000));
  assert.equal(response.headers.get('x-correlation-id'), FLOW);
  created = await response.json();
  assert.equal(created.sku, 'A-1');
});

test('a query over HTTP', async () => {
  const response = await fetch(`${BASE}/orders/${created.id}`);
  assert.equal(response.status, 200);
  assert.deepEqual(await response.json(), created);
});

test('a failing command answers 500', async () => {
  const response = await fetch(`${BASE}/orders`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-correlation-id': FAILING_FLOW },
    body: JSON.stringify({ sku: 'B-2', quantity: 1000, email: 'bob@example.com' }),
  });
  assert.equal(response.status, 500);
  assert.equal(response.headers.get('x-correlation-id'), FAILING_FLOW);
});

test('an invalid command answers 400 with the failing fields, no app filter needed', async () => {
  const response = await fetch(`${BASE}/orders`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ sku: 'C-3', quantity: 0, email: 'not-an-email' }),
  });
  assert.equal(response.status, 400);
  const body = await response.json();
  assert.equal(body.messageType, 'CreateOrderCommand');
  assert.deepEqual(body.errors.map((error) => error.property).sort(), ['email', 'quantity']);
});

test('OpenTelemetry metrics through the global MeterProvider: names, unit, advice buckets, error.type on failure only', async () => {
  const { metrics } = await eventually(async () => {
    const sent = await telemetry();
    const duration = sent.metrics.find((metric) => metric.name === 'messaging.process.duration');
    return duration?.points.some((point) => point.attributes['error.type'] !== undefined) ? sent : undefined;
  }, 'the failed command in messaging.process.duration');
  const duration = metrics.find((metric) => metric.name === 'messaging.process.duration');
  assert.equal(duration.unit, 's');
  const commands = duration.points.filter(
    (point) => point.attributes['messaging.destination.name'] === 'CreateOrderCommand',
  );
  const succeeded = commands.find((point) => point.attributes['error.type'] === undefined);
  assert.ok(succeeded, `no successful CreateOrderCommand point in ${JSON.stringify(commands)}`);
  assert.equal(succeeded.attributes['messaging.system'], 'nestjs-cqrs');
  assert.equal(succeeded.attributes['messaging.operation.name'], 'process');
  assert.deepEqual(succeeded.value.buckets.boundaries, [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10]);
  assert.ok(commands.some((point) => typeof point.attributes['error.type'] === 'string'), 'the failed command has error.type');
  const sent = metrics.find((metric) => metric.name === 'messaging.client.sent.messages');
  assert.ok(
    sent?.points.some((point) => point.attributes['messaging.destination.name'] === 'OrderCreatedEvent' && point.value >= 1),
    `no sent OrderCreatedEvent in ${JSON.stringify(sent)}`,
  );
});

test('spans: command → publish → both handlers and the saga → its command, one trace', async () => {
  const { spans } = await eventually(async () => {
    const sent = await telemetry();
    return sent.spans.some((span) => span.name === 'cqrs.ReserveStockCommand') ? sent : undefined;
  }, 'the saga command span');
  const named = (name) => {
    const found = spans.filter((span) => span.name === name);
    assert.equal(found.length >= 1, true, `no span ${name} in ${spans.map((s) => s.name)}`);
    return found[0];
  };
  const command = spans.find(
    (span) =>
      span.name === 'cqrs.CreateOrderCommand' && span.attributes['cqrs.correlation_id'] === FLOW,
  );
  assert.ok(command, 'command span of the flow');
  assert.equal(command.kind, 0); // INTERNAL
  assert.equal(command.attributes['cqrs.outcome'], 'success');
  const publish = named('event.dispatch.OrderCreatedEvent');
  assert.equal(publish.kind, 3); // PRODUCER
  assert.equal(publish.parentSpanId, command.spanId);
  for (const handler of ['SendConfirmationHandler', 'UpdateStatsHandler']) {
    const span = named(`event.handler.OrderCreatedEvent.${handler}`);
    assert.equal(span.kind, 4); // CONSUMER
    assert.equal(span.parentSpanId, publish.spanId);
    assert.equal(span.traceId, command.traceId);
    assert.equal(span.attributes['cqrs.correlation_id'], FLOW);
  }
  const saga = named('saga.run.OrderSaga');
  assert.equal(saga.parentSpanId, publish.spanId);
  const reserve = named('cqrs.ReserveStockCommand');
  assert.equal(reserve.parentSpanId, saga.spanId);
  assert.equal(reserve.traceId, command.traceId);
  assert.equal(reserve.attributes['cqrs.correlation_id'], FLOW);
  const query = named('cqrs.GetOrderQuery');
  assert.equal(query.attributes['cqrs.outcome'], 'success');
  const failed = spans.find(
    (span) =>
      span.name === 'cqrs.CreateOrderCommand' &&
      span.attributes['cqrs.correlation_id'] === FAILING_FLOW,
  );
  assert.ok(failed, 'failed command span');
  assert.equal(failed.attributes['cqrs.outcome'], 'error');
  assert.equal(failed.status.code, 2); // ERROR
});

test('metrics: GET /metrics in Prometheus text', async () => {
  const text = await (await fetch(`${BASE}/metrics`)).text();
  const sample = (name, labels) =>
    text
      .split('\n')
      .find(
        (line) =>
          line.startsWith(`${name}{`) &&
          Object.entries(labels).every(([k, v]) => line.includes(`${k}="${v}"`)),
      );
  const ok = sample('cqrs_message_total', {
    kind: 'command',
    message_type: 'CreateOrderCommand',
    outcome: 'success',
  });
  assert.match(ok ?? '', / 1$/, text.slice(0, 3000));
  const failed = sample('cqrs_message_total', {
    kind: 'command',
    message_type: 'CreateOrderCommand',
    outcome: 'error',
  });
  assert.match(failed ?? '', / 1$/);
  const handler = sample('cqrs_event_handler_total', {
    event_type: 'OrderCreatedEvent',
    handler: 'UpdateStatsHandler',
    outcome: 'success',
  });
  assert.match(handler ?? '', / 1$/);
  assert.ok(
    sample('cqrs_message_duration_seconds_bucket', {
      kind: 'query',
      message_type: 'GetOrderQuery',
    }),
  );
});

test('logs: pino JSON lines with the correlation id and trace id', async () => {
  const { spans } = await telemetry();
  const line = lines.find(
    (entry) => entry.message_type === 'CreateOrderCommand' && entry.correlation_id === FLOW,
  );
  assert.ok(
    line,
    `no CQRS pino line for the flow among ${lines.length} lines:\n${output.slice(-3000)}`,
  );
  assert.equal(line.kind, 'command');
  assert.equal(line.outcome, 'success');
  assert.equal(line.handler, 'CreateOrderHandler');
  const command = spans.find(
    (span) =>
      span.name === 'cqrs.CreateOrderCommand' && span.attributes['cqrs.correlation_id'] === FLOW,
  );
  assert.equal(line.trace_id, command.traceId);
  const failure = lines.find(
    (entry) => entry.message_type === 'CreateOrderCommand' && entry.correlation_id === FAILING_FLOW,
  );
  assert.ok(failure);
  assert.equal(failure.outcome, 'error');
  assert.equal(failure.level, 50);
  // The request carried an e-mail in its body and credentials in its headers: none of them
  // may appear in any line (there are lines: the assertions above found two).
  const leaks = lines.filter((entry) =>
    ['ada@example.com', 'compat-secret-token', 'compat-cookie-secret'].some((secret) =>
      JSON.stringify(entry).includes(secret),
    ),
  );
  assert.deepEqual(leaks, []);
});

test('Sentry: the failed command is captured once, with the CQRS tags', async () => {
  const { envelopes } = await eventually(async () => {
    const sent = await telemetry();
    return sent.envelopes.some((body) => body.includes('not enough stock')) ? sent : undefined;
  }, 'the Sentry envelope');
  const events = envelopes
    .flatMap((body) =>
      body
        .split('\n')
        .filter(Boolean)
        .map((part) => JSON.parse(part)),
    )
    .filter((part) => part.exception);
  const captured = events.filter((event) => event.tags?.correlation_id === FAILING_FLOW);
  assert.equal(captured.length, 1, JSON.stringify(events).slice(0, 2000));
  assert.equal(captured[0].tags['cqrs.message_type'], 'CreateOrderCommand');
  assert.equal(captured[0].tags['cqrs.kind'], 'command');
});
