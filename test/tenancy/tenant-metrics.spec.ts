import request from 'supertest';
import { TenantApp } from './tenant-app';

function sample(scrape: string, metric: string, labels: string): number | undefined {
  const line = scrape.split('\n').find((l) => l.startsWith(`${metric}{${labels}}`));
  return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(' ') + 1));
}

describe('tenant as a metric label (tenant.metricLabel)', () => {
  const sinks = new TenantApp();

  beforeAll(async () => {
    await sinks.start({ tenant: { metricLabel: true, maxMetricTenants: 2 } });
  });
  afterAll(() => sinks.stop());

  it('counts each step per tenant, capped: tenants past maxMetricTenants are _other', async () => {
    const server = sinks.app!.getHttpServer();
    const post = (tenant: string, orderId: string, fail = false) =>
      request(server)
        .post('/orders')
        .set('x-tenant-id', tenant)
        .send({ orderId, fail })
        .expect(201);
    await post('acme', 'm-1');
    await post('acme', 'm-2');
    await post('globex', 'm-3', true);
    await post('umbrella', 'm-4');
    await post('hooli', 'm-5');
    await sinks.settle();
    const scrape = await sinks.registry.metrics();

    const total = 'cqrs_tenant_messages_total';
    // Two commands a flow (PlaceOrder, then ReserveStock from the saga).
    expect(sample(scrape, total, 'kind="command",tenant="acme",outcome="success"')).toBe(4);
    expect(sample(scrape, total, 'kind="event",tenant="acme",outcome="success"')).toBe(2);
    expect(sample(scrape, total, 'kind="saga",tenant="acme",outcome="success"')).toBe(2);
    expect(sample(scrape, total, 'kind="command",tenant="globex",outcome="error"')).toBe(1);
    expect(sample(scrape, total, 'kind="command",tenant="globex",outcome="success"')).toBe(1);
    expect(sample(scrape, total, 'kind="command",tenant="_other",outcome="success"')).toBe(4);
    expect(scrape).not.toContain('tenant="umbrella"');
    expect(scrape).not.toContain('tenant="hooli"');
    expect(
      sample(
        scrape,
        'cqrs_tenant_message_duration_seconds_count',
        'kind="command",tenant="acme",outcome="success"',
      ),
    ).toBe(4);
    // The main metrics keep their label set.
    expect(
      sample(
        scrape,
        'cqrs_message_total',
        'kind="command",message_type="PlaceOrderCommand",outcome="success"',
      ),
    ).toBe(5);
    expect(scrape).not.toMatch(/cqrs_message_total\{[^}]*tenant/);
  });
});
