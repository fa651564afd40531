import request from 'supertest';
import { TenantApp } from './tenant-app';

const FLOW_STEPS = [
  'cqrs.PlaceOrderCommand',
  'event.dispatch.OrderPlacedEvent',
  'event.handler.OrderPlacedEvent.OrderPlacedAuditHandler',
  'saga.run.OrderSaga',
  'cqrs.ReserveStockCommand',
];

describe('tenant off (the default)', () => {
  const sinks = new TenantApp();

  beforeAll(async () => {
    await sinks.start({});
  });
  afterAll(() => sinks.stop());

  it('reads no header and writes no tenant anywhere', async () => {
    const response = await request(sinks.app!.getHttpServer())
      .post('/orders')
      .set('x-tenant-id', 'acme')
      .send({ orderId: 'o-off', fail: true })
      .expect(201);
    await sinks.settle();
    expect(response.headers['x-tenant-id']).toBeUndefined();
    expect(response.body).toEqual({});
    const spans = sinks.flowSpans('o-off');
    expect(spans.map((span) => span.name).sort()).toEqual([...FLOW_STEPS].sort());
    const cqrsLines = sinks.logs.lines.filter((line) => line.message_type !== undefined);
    expect(cqrsLines).toHaveLength(3);
    expect(sinks.ownLines().find((line) => line.msg === 'placing order')).toBeDefined();
    expect(sinks.transport.events()).toHaveLength(1);
    const everything = JSON.stringify([
      spans.map((span) => span.attributes),
      sinks.ownLines(),
      sinks.transport.events(),
    ]);
    expect(everything).not.toContain('acme');
    expect(everything).not.toContain('tenant_id');
    expect(everything).not.toContain('tenant.id');
    const scrape = await sinks.registry.metrics();
    expect(scrape).toContain('cqrs_message_total{kind="command",message_type="PlaceOrderCommand"');
    expect(scrape).not.toContain('tenant');
  });
});
