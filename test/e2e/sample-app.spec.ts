import type { INestApplication } from '@nestjs/common';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import * as Sentry from '@sentry/nestjs';
import request from 'supertest';
import { readAppConfig } from '../../sample-app/app.config';
import { createApp } from '../../sample-app/create-app';
import { MemoryLogStream, type LogLine } from '../logging/memory-log-stream';
import { RecordingTransport, sentryTestOptions } from '../sentry/recording-transport';
import { startTracingSdk, type TracingSdk } from '../tracing/tracing-sdk';
import { flush } from '../utils/create-app';

/**
 * The sample app exactly as `npm run sample` wires it (AppModule, pino, ClsModule, Prometheus,
 * SentryGlobalFilter, the library through forRootAsync), booted in-process with the telemetry
 * backends replaced by in-memory ones: spans in an InMemorySpanExporter, pino lines in a
 * stream, Sentry envelopes in a recording transport, metrics read from GET /metrics.
 */

const EMAIL = 'ada.lovelace@example.com';
// The address POST /orders/fail puts in its command.
const FAIL_EMAIL = 'demo.customer@example.com';
const RAW_EMAILS = [EMAIL, FAIL_EMAIL];

let sentry: RecordingTransport;
let tracing: TracingSdk;
let logs: MemoryLogStream;
let app: INestApplication;

beforeAll(async () => {
  sentry = new RecordingTransport();
  // As instrument.ts does: the OpenTelemetry SDK, not Sentry, owns the tracer provider.
  Sentry.init({ ...sentryTestOptions(sentry), skipOpenTelemetrySetup: true });
  tracing = startTracingSdk();
  logs = new MemoryLogStream();
  app = await createApp({
    config: { ...readAppConfig({}), logLevel: 'debug' },
    logDestination: logs.stream,
  });
  // listen(), as main.ts does, rather than init(): Nest flushes the logs buffered during
  // bootstrap (bufferLogs) once the server listens, and only then do Nest Logger lines reach pino.
  await app.listen(0, '127.0.0.1');
});

afterAll(async () => {
  await app.close();
  await tracing.shutdown();
  await Sentry.close();
});

function http() {
  return request(app.getHttpServer());
}

/** Every finished span of one trace. */
function traceOf(span: ReadableSpan): ReadableSpan[] {
  const traceId = span.spanContext().traceId;
  return tracing.exporter
    .getFinishedSpans()
    .filter((candidate) => candidate.spanContext().traceId === traceId);
}

function spansNamed(name: string): ReadableSpan[] {
  return tracing.exporter.getFinishedSpans().filter((span) => span.name === name);
}

function linesOf(correlationId: string): LogLine[] {
  return logs.lines.filter((line) => line.correlation_id === correlationId);
}

async function createOrder(correlationId: string): Promise<request.Response> {
  const response = await http()
    .post('/orders')
    .set('x-correlation-id', correlationId)
    .set('x-user-id', 'user-42')
    .send({ sku: 'BOOK-1', quantity: 2, email: EMAIL })
    .expect(201);
  // The saga's ReserveStockCommand runs after the response is sent.
  await flush();
  return response;
}

describe('POST /orders', () => {
  it('answers 201 with the order and echoes the x-correlation-id it was sent', async () => {
    const response = await createOrder('e2e-create-1');

    expect(response.headers['x-correlation-id']).toBe('e2e-create-1');
    expect(response.body).toEqual({
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      sku: 'BOOK-1',
      quantity: 2,
      status: 'created',
    });
    expect(JSON.stringify(response.body)).not.toContain(EMAIL);
  });

  it('logs the whole flow with its correlation id: handlers, audit, CQRS lines, request line', async () => {
    await createOrder('e2e-logs-1');
    const flow = linesOf('e2e-logs-1');

    const confirmation = flow.find((line) => line.msg === 'confirmation sent');
    expect(confirmation).toMatchObject({
      context: 'SendConfirmationEmailHandler',
      to: 'a***@example.com',
    });
    expect(flow.find((line) => line.msg === 'stock reserved')).toMatchObject({
      context: 'ReserveStockHandler',
      sku: 'BOOK-1',
    });
    expect(
      flow.find((line) => line.audit === true && line.command === 'CreateOrderCommand'),
    ).toMatchObject({ context: 'Audit', requested_by: 'user-42', succeeded: true });
    const commandLine = flow.find(
      (line) => line.message_type === 'CreateOrderCommand' && line.kind === 'command',
    );
    expect(commandLine).toMatchObject({ outcome: 'success', handler: 'CreateOrderHandler' });
    // The library's payload: e-mail hidden by default, the user id hashed (hashFields).
    expect(commandLine!.payload).toMatchObject({
      sku: 'BOOK-1',
      quantity: 2,
      email: '***',
      requestedBy: expect.stringMatching(/^sha256:[0-9a-f]{64}$/),
    });
    expect(flow.find((line) => line.msg === 'request completed')).toMatchObject({
      res: { statusCode: 201 },
    });
  });

  it('puts a correlation id on every line logged inside a request', async () => {
    await createOrder('e2e-every-line');
    const requestLines = logs.lines.filter((line) => line.reqId !== undefined);

    expect(requestLines.length).toBeGreaterThan(0);
    for (const line of requestLines) {
      expect(line).toHaveProperty('correlation_id');
    }
  });

  it('traces the command, its event, both handlers, the saga and the projection in one trace', async () => {
    await createOrder('e2e-trace-1');
    const command = spansNamed('cqrs.CreateOrderCommand').find(
      (span) => span.attributes['cqrs.correlation_id'] === 'e2e-trace-1',
    );
    expect(command).toBeDefined();

    const names = traceOf(command!).map((span) => span.name);
    expect(names).toEqual(
      expect.arrayContaining([
        'cqrs.CreateOrderCommand',
        'event.dispatch.OrderCreatedEvent',
        'event.handler.OrderCreatedEvent.SendConfirmationEmailHandler',
        'event.handler.OrderCreatedEvent.UpdateOrderStatsHandler',
        'projection.process.OrderStats',
        'saga.run.OrderSaga',
        'cqrs.ReserveStockCommand',
      ]),
    );
    // The app's own projection step, spanned by the framework hooks installed in AppModule.
    const projection = traceOf(command!).find((s) => s.name === 'projection.process.OrderStats');
    expect(projection?.attributes.correlation_id).toBe('e2e-trace-1');
    const line = linesOf('e2e-trace-1').find((l) => l.message_type === 'CreateOrderCommand');
    expect(line?.trace_id).toBe(command!.spanContext().traceId);
  });

  it('answers 400 to an invalid body, before any command exists', async () => {
    const response = await http()
      .post('/orders')
      .send({ sku: 'not a sku', quantity: 0, email: 'nope' })
      .expect(400);

    expect(response.body.message).toEqual(
      expect.arrayContaining(['quantity must not be less than 1', 'email must be an email']),
    );
  });
});

describe('GET /orders/:id', () => {
  it('returns a stored order', async () => {
    const created = await createOrder('e2e-get-1');

    const response = await http().get(`/orders/${created.body.id}`).expect(200);

    expect(response.body).toMatchObject({ id: created.body.id, sku: 'BOOK-1', quantity: 2 });
  });

  it('answers 404 for an unknown id', async () => {
    await http().get('/orders/00000000-0000-4000-8000-000000000000').expect(404);
  });
});

describe('GET /orders (ListOrdersQuery extends PaginatedQuery)', () => {
  it('returns a page', async () => {
    await createOrder('e2e-list-1');

    const response = await http().get('/orders?page=1&pageSize=5').expect(200);

    expect(response.body).toMatchObject({ page: 1, pageSize: 5 });
    expect(response.body.items.length).toBeGreaterThan(0);
    expect(response.body.items.length).toBeLessThanOrEqual(5);
  });

  it('answers 400 listing the fields that failed validation at dispatch', async () => {
    const response = await http().get('/orders?page=0&pageSize=500').expect(400);

    expect(response.body).toMatchObject({
      statusCode: 400,
      message: 'ListOrdersQuery failed validation',
    });
    const properties = response.body.errors.map((e: { property: string }) => e.property);
    expect(properties).toEqual(['page', 'pageSize']);
    expect(response.body.errors[0].constraints).toHaveProperty('min');
  });

  it('does not report a validation failure to Sentry', async () => {
    sentry.clear();
    await http().get('/orders?page=0').expect(400);
    await Sentry.flush(2000);

    expect(sentry.events()).toHaveLength(0);
    // The guard: a real failure of the same app does reach Sentry.
    await http().post('/orders/fail').expect(500);
    await flush();
    await Sentry.flush(2000);
    expect(sentry.events().length).toBeGreaterThan(0);
  });
});

describe('POST /orders/fail: an error in every signal', () => {
  let response: request.Response;

  beforeAll(async () => {
    sentry.clear();
    response = await http().post('/orders/fail').set('x-correlation-id', 'e2e-fail-1');
    await flush();
    await Sentry.flush(2000);
  });

  it('answers 500 and still echoes the correlation id', () => {
    expect(response.status).toBe(500);
    expect(response.headers['x-correlation-id']).toBe('e2e-fail-1');
  });

  it('ends the command span with status ERROR and the exception recorded', () => {
    const span = spansNamed('cqrs.CreateOrderCommand').find(
      (s) => s.attributes['cqrs.correlation_id'] === 'e2e-fail-1',
    );
    expect(span?.status.code).toBe(2); // SpanStatusCode.ERROR
    expect(span?.attributes['cqrs.outcome']).toBe('error');
    expect(span?.events.some((event) => event.name === 'exception')).toBe(true);
  });

  it('logs the failure at error level with the correlation id', () => {
    const line = linesOf('e2e-fail-1').find(
      (l) => l.message_type === 'CreateOrderCommand' && l.outcome === 'error',
    );
    expect(line).toMatchObject({ level: 50, err: { type: 'WarehouseUnavailableError' } });
  });

  it('sends exactly one Sentry event, tagged, even with SentryGlobalFilter also catching it', () => {
    const events = sentry.events();
    expect(events).toHaveLength(1);
    expect(events[0]!.exception.values[0].type).toBe('WarehouseUnavailableError');
    expect(events[0]!.tags).toMatchObject({
      'cqrs.message_type': 'CreateOrderCommand',
      correlation_id: 'e2e-fail-1',
    });
  });
});

describe('GET /orders/stats', () => {
  it('shows the projection totals and the saga runs counted by the app hook', async () => {
    await createOrder('e2e-stats-1');

    const response = await http().get('/orders/stats').expect(200);

    expect(response.body.ordersCreated).toBeGreaterThan(0);
    expect(response.body.sagaRuns.OrderSaga).toBe(response.body.ordersCreated);
  });
});

describe('GET /metrics', () => {
  it('serves the library metrics with class-name labels only', async () => {
    // Its own traffic: a success and a failure, whatever ran before.
    await createOrder('e2e-metrics-1');
    await http().post('/orders/fail').expect(500);
    await flush();
    const response = await http().get('/metrics').expect(200);
    const text = response.text;

    const count = (pattern: RegExp) => Number(pattern.exec(text)?.[1]);
    expect(
      count(
        /^cqrs_message_total\{kind="command",message_type="CreateOrderCommand",outcome="success"\} (\d+)$/m,
      ),
    ).toBeGreaterThan(0);
    expect(
      count(
        /^cqrs_message_total\{kind="command",message_type="CreateOrderCommand",outcome="error"\} (\d+)$/m,
      ),
    ).toBeGreaterThan(0);
    expect(
      count(
        /^cqrs_event_handler_total\{event_type="OrderCreatedEvent",handler="SendConfirmationEmailHandler",outcome="success"\} (\d+)$/m,
      ),
    ).toBeGreaterThan(0);
    expect(text).toContain('cqrs_message_duration_seconds_bucket{');
    for (const email of RAW_EMAILS) expect(text).not.toContain(email);
  });
});

describe('redaction across every signal', () => {
  it('never lets a raw e-mail into a log line, a span or a Sentry envelope', async () => {
    // Its own traffic carrying both addresses, whatever ran before: a created order and a
    // failing one (which reaches Sentry).
    sentry.clear();
    await createOrder('e2e-redaction-1');
    await http().post('/orders/fail').set('x-correlation-id', 'e2e-redaction-2').expect(500);
    await flush();
    await Sentry.flush(2000);

    // The guards: each signal did write about these very commands, payload included.
    const logLines = [...linesOf('e2e-redaction-1'), ...linesOf('e2e-redaction-2')];
    expect(logLines.some((line) => line.message_type === 'CreateOrderCommand')).toBe(true);
    const spans = spansNamed('cqrs.CreateOrderCommand').filter((span) =>
      ['e2e-redaction-1', 'e2e-redaction-2'].includes(
        String(span.attributes['cqrs.correlation_id']),
      ),
    );
    expect(spans).toHaveLength(2);
    expect(spans.every((span) => span.events.some((e) => e.name === 'cqrs.command_payload'))).toBe(
      true,
    );
    expect(sentry.events().length).toBeGreaterThan(0);

    const logText = logs.lines.map((line) => JSON.stringify(line)).join('\n');
    const spanText = JSON.stringify(
      tracing.exporter
        .getFinishedSpans()
        .map((span) => ({ attributes: span.attributes, events: span.events })),
    );
    const sentryText = JSON.stringify(sentry.envelopes);
    for (const email of RAW_EMAILS) {
      expect(logText).not.toContain(email);
      expect(spanText).not.toContain(email);
      expect(sentryText).not.toContain(email);
    }
  });
});

describe('tenant and audit fields (the banner curl sends x-tenant-id: acme)', () => {
  it('puts the tenant on the flow’s spans, log lines and metrics, and the audit record on the command line', async () => {
    const response = await http()
      .post('/orders')
      .set('x-correlation-id', 'e2e-tenant-1')
      .set('x-tenant-id', 'acme')
      .set('x-user-id', 'user-42')
      .send({ sku: 'BOOK-1', quantity: 2, email: EMAIL })
      .expect(201);
    await flush();
    expect(response.headers['x-tenant-id']).toBe('acme');

    const create = spansNamed('cqrs.CreateOrderCommand').find(
      (span) => span.attributes['cqrs.correlation_id'] === 'e2e-tenant-1',
    )!;
    expect(create.attributes).toMatchObject({
      'tenant.id': 'acme',
      'audit.sku': 'BOOK-1',
      'audit.quantity': 2,
      'audit.actor': expect.stringMatching(/^sha256:[0-9a-f]{64}$/),
    });
    const cqrsSpans = traceOf(create).filter((span) => span.attributes['cqrs.kind'] !== undefined);
    expect(cqrsSpans.map((span) => span.name)).toContain('cqrs.ReserveStockCommand');
    for (const span of cqrsSpans) expect(span.attributes['tenant.id']).toBe('acme');

    const flow = linesOf('e2e-tenant-1');
    const commandLine = flow.find((line) => line.message_type === 'CreateOrderCommand')!;
    expect(commandLine).toMatchObject({
      tenant_id: 'acme',
      audit: { actor: create.attributes['audit.actor'], sku: 'BOOK-1', quantity: 2 },
    });
    // The handlers' own lines carry it too, through cqrsLogMixin().
    expect(flow.find((line) => line.msg === 'stock reserved')).toMatchObject({
      tenant_id: 'acme',
    });
    // The library's audit record goes through the policy (the sample's own Audit line does not).
    expect(JSON.stringify(commandLine)).not.toContain('user-42');

    const metrics = (await http().get('/metrics').expect(200)).text;
    expect(metrics).toMatch(
      /^cqrs_tenant_messages_total\{kind="command",tenant="acme",outcome="success"\} [1-9]/m,
    );
  });
});
