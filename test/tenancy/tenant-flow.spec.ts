import request from 'supertest';
import { TracingAttributes } from '../../lib';
import { JWT_NOTE, TenantApp } from './tenant-app';

const FLOW_STEPS = [
  'cqrs.PlaceOrderCommand',
  'event.dispatch.OrderPlacedEvent',
  'event.handler.OrderPlacedEvent.OrderPlacedAuditHandler',
  'saga.run.OrderSaga',
  'cqrs.ReserveStockCommand',
];
const HANDLERS = [
  'PlaceOrderHandler',
  'OrderPlacedAuditHandler',
  'OrderSaga',
  'ReserveStockHandler',
];

function tenantsByName(spans: ReturnType<TenantApp['spans']>): Record<string, unknown> {
  return Object.fromEntries(
    spans
      .filter((span) => FLOW_STEPS.includes(span.name))
      .map((span) => [span.name, span.attributes[TracingAttributes.TENANT_ID]]),
  );
}

describe('tenant id from an HTTP header through command, event handler, saga and command', () => {
  const sinks = new TenantApp();

  beforeAll(async () => {
    await sinks.start({ tenant: { fromCls: 'authTenant' } });
  });
  afterAll(() => sinks.stop());
  beforeEach(() => sinks.clear());

  it('puts the header tenant on every span, log line and handler of the flow, and echoes it', async () => {
    const response = await request(sinks.app!.getHttpServer())
      .post('/orders')
      .set('x-tenant-id', 'acme')
      .send({ orderId: 'o-1' })
      .expect(201);
    await sinks.settle();

    expect(response.headers['x-tenant-id']).toBe('acme');
    expect(response.body).toEqual({ tenantId: 'acme' });
    expect(tenantsByName(sinks.flowSpans('o-1'))).toEqual(
      Object.fromEntries(FLOW_STEPS.map((name) => [name, 'acme'])),
    );
    for (const where of HANDLERS) expect(sinks.seen.at(where, 'o-1')).toBe('acme');

    const cqrsLines = sinks.logs.lines.filter((line) => line.message_type !== undefined);
    expect(cqrsLines.map((line) => `${line.message_type}:${line.handler}`).sort()).toEqual([
      'OrderPlacedEvent:OrderPlacedAuditHandler',
      'PlaceOrderCommand:PlaceOrderHandler',
      'ReserveStockCommand:ReserveStockHandler',
    ]);
    for (const line of cqrsLines) expect(line.tenant_id).toBe('acme');
    // The application's own line inside the handler, through the mixin.
    const own = sinks.logs.lines.find((line) => line.msg === 'placing order');
    expect(own?.tenant_id).toBe('acme');
  });

  it('keeps concurrent tenants apart', async () => {
    const server = sinks.app!.getHttpServer();
    const tenants = ['acme', 'globex', 'umbrella', 'hooli'];
    await Promise.all(
      tenants.flatMap((tenant) =>
        [1, 2, 3].map((n) =>
          request(server)
            .post('/orders')
            .set('x-tenant-id', tenant)
            .send({ orderId: `${tenant}-${n}` })
            .expect(201),
        ),
      ),
    );
    await sinks.settle();
    for (const tenant of tenants) {
      for (const n of [1, 2, 3]) {
        const orderId = `${tenant}-${n}`;
        expect(tenantsByName(sinks.flowSpans(orderId))).toEqual(
          Object.fromEntries(FLOW_STEPS.map((name) => [name, tenant])),
        );
        for (const where of HANDLERS) expect(sinks.seen.at(where, orderId)).toBe(tenant);
      }
    }
  });

  it("takes the message's own tenantId over the header, for the rest of its flow", async () => {
    await request(sinks.app!.getHttpServer())
      .post('/orders')
      .set('x-tenant-id', 'acme')
      .send({ orderId: 'o-own', tenantId: 'globex' })
      .expect(201);
    await sinks.settle();
    expect(tenantsByName(sinks.flowSpans('o-own'))).toEqual(
      Object.fromEntries(FLOW_STEPS.map((name) => [name, 'globex'])),
    );
    for (const where of HANDLERS) expect(sinks.seen.at(where, 'o-own')).toBe('globex');
  });

  it("takes the app's nestjs-cls key (tenant.fromCls) over the header", async () => {
    await request(sinks.app!.getHttpServer())
      .post('/orders')
      .set('x-tenant-id', 'acme')
      .set('x-test-user', 'initech-admin')
      .send({ orderId: 'o-cls' })
      .expect(201);
    await sinks.settle();
    expect(tenantsByName(sinks.flowSpans('o-cls'))).toEqual(
      Object.fromEntries(FLOW_STEPS.map((name) => [name, 'initech'])),
    );
  });

  it('drops a tenant header that is not a valid id, unseen', async () => {
    const hostile = 'acme<script>alert(1)</script>';
    const response = await request(sinks.app!.getHttpServer())
      .post('/orders')
      .set('x-tenant-id', hostile)
      .send({ orderId: 'o-bad' })
      .expect(201);
    await sinks.settle();
    expect(response.headers['x-tenant-id']).toBeUndefined();
    expect(response.body).toEqual({});
    const spans = sinks.flowSpans('o-bad');
    expect(spans.map((span) => span.name).sort()).toEqual([...FLOW_STEPS].sort());
    for (const span of spans) expect(span.attributes[TracingAttributes.TENANT_ID]).toBeUndefined();
    // pino-http's own request line logs the raw headers as the app configured it; ours don't.
    const everything = JSON.stringify([spans.map((s) => s.attributes), sinks.ownLines()]);
    expect(everything).toContain('o-bad');
    expect(everything).not.toContain('<script>');
  });

  it('captures a failure in the saga command with the tenant tag and the audit context', async () => {
    await request(sinks.app!.getHttpServer())
      .post('/orders')
      .set('x-tenant-id', 'acme')
      .send({ orderId: 'o-fail', fail: true })
      .expect(201);
    await sinks.settle();
    const events = sinks.transport.events();
    expect(events).toHaveLength(1);
    const event = events[0]!;
    expect(event.tags).toMatchObject({
      'cqrs.message_type': 'ReserveStockCommand',
      tenant_id: 'acme',
    });
    expect(event.contexts.audit).toEqual({ orderId: 'o-fail' });
    const failed = sinks.logs.lines.find(
      (line) => line.message_type === 'ReserveStockCommand' && line.outcome === 'error',
    );
    expect(failed).toMatchObject({ tenant_id: 'acme', audit: { orderId: 'o-fail' } });
    expect(JSON.stringify(events)).not.toContain(JWT_NOTE);
  });

  // Last: the saga stays dead for the rest of this app.
  it("writes the dead saga's line with the tenant of the flow that killed it", async () => {
    await request(sinks.app!.getHttpServer())
      .post('/orders')
      .set('x-tenant-id', 'acme')
      .send({ orderId: 'o-kill' })
      .expect(201);
    await sinks.settle();
    const line = sinks.logs.lines.find(
      (l) => l.kind === 'saga' && l.message_type === 'KillableSaga',
    );
    expect(line).toMatchObject({ outcome: 'error', tenant_id: 'acme' });
  });
});
