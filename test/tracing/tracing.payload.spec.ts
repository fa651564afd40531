import { createHash } from 'node:crypto';
import { CommandBus, CommandHandler, EventBus, QueryBus, type ICommandHandler } from '@nestjs/cqrs';
import type { TestingModule } from '@nestjs/testing';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-node';
import {
  BaseCommand,
  PAYLOAD_EVENT_ATTRIBUTE,
  PAYLOAD_EVENT_NAME,
  TracingAttributes as A,
  type CqrsObservabilityModuleOptions,
} from '../../lib';
import { GetOrderQuery, OrderPlacedEvent, PlaceOrderCommand } from '../fixtures/orders.fixture';
import { createTestApp, flush } from '../utils/create-app';
import { COUNTED_RESULT, CountedCommand, CountedCommandHandler } from './counted-command.fixture';
import { spanNamed, startTracingSdk, type TracingSdk } from './tracing-sdk';

class RegisterCustomerCommand extends BaseCommand<void> {
  declare readonly name: string;
  declare readonly email: string;
  declare readonly password: string;
  declare readonly customerId: string;
}

@CommandHandler(RegisterCustomerCommand)
class RegisterCustomerHandler implements ICommandHandler<RegisterCustomerCommand> {
  async execute(): Promise<void> {}
}

let sdk: TracingSdk;
beforeAll(() => {
  sdk = startTracingSdk();
});
afterAll(async () => {
  await sdk.shutdown();
});
beforeEach(() => sdk.exporter.reset());

async function appWith(options: CqrsObservabilityModuleOptions): Promise<TestingModule> {
  return createTestApp({
    observability: { metrics: false, logging: false, sentry: false, ...options },
    providers: [RegisterCustomerHandler, CountedCommandHandler],
  });
}

function payloadOf(span: ReadableSpan): string {
  const events = span.events.filter((event) => event.name === PAYLOAD_EVENT_NAME);
  expect(events).toHaveLength(1);
  return events[0]!.attributes![PAYLOAD_EVENT_ATTRIBUTE] as string;
}

describe('tracing: the payload span event (on by default)', () => {
  let app: TestingModule;
  beforeAll(async () => {
    app = await appWith({ redaction: { hashFields: ['customerId'] } });
  });
  afterAll(() => app.close());

  it('adds cqrs.command_payload with the redacted JSON and the payload attributes', async () => {
    const command = new RegisterCustomerCommand({
      name: 'Ada',
      email: 'ada@example.com',
      password: 'hunter2',
      customerId: 'c-1',
    });
    await app.get(CommandBus).execute(command);
    const span = spanNamed(sdk.exporter.getFinishedSpans(), 'cqrs.RegisterCustomerCommand');
    const json = payloadOf(span);
    const payload = JSON.parse(json) as Record<string, unknown>;
    expect(payload).toMatchObject({
      name: 'Ada',
      email: '***',
      password: '***',
      requestId: command.requestId,
    });
    expect(payload.customerId).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(json).not.toContain('hunter2');
    expect(json).not.toContain('ada@example.com');
    expect(span.attributes[A.PAYLOAD_PRESENT]).toBe(true);
    expect(span.attributes[A.PAYLOAD_TRUNCATED]).toBe(false);
    expect(span.attributes[A.PAYLOAD_SIZE]).toBe(json.length);
  });

  it('records query payloads too', async () => {
    await app.get(QueryBus).execute(new GetOrderQuery({ sku: 'SKU-3' }));
    const span = spanNamed(sdk.exporter.getFinishedSpans(), 'cqrs.GetOrderQuery');
    expect(JSON.parse(payloadOf(span))).toMatchObject({ sku: 'SKU-3' });
  });

  it('leaves events, handlers and sagas without a payload event', async () => {
    await app.get(CommandBus).execute(new PlaceOrderCommand({ sku: 'S', quantity: 1 }));
    app.get(EventBus).publish(new OrderPlacedEvent({ sku: 'S2' }));
    await flush();
    const withPayload = sdk.exporter
      .getFinishedSpans()
      .filter((span) => span.events.some((event) => event.name === PAYLOAD_EVENT_NAME))
      .map((span) => span.name);
    expect(withPayload.sort()).toEqual([
      'cqrs.PlaceOrderCommand',
      'cqrs.ReserveStockCommand',
      'cqrs.ReserveStockCommand',
    ]);
  });

  it('reads the message when the span records (the contrast to the sampled-out case)', async () => {
    const command = new CountedCommand();
    await expect(app.get(CommandBus).execute(command)).resolves.toBe(COUNTED_RESULT);
    expect(command.reads).toBeGreaterThan(0);
    expect(
      JSON.parse(payloadOf(spanNamed(sdk.exporter.getFinishedSpans(), 'cqrs.CountedCommand'))),
    ).toEqual({
      note: 'hello',
      requestedAt: '2026-01-02T03:04:05.000Z',
      // A personal audit field: hashed by default.
      requestedBy: `sha256:${createHash('sha256').update('user-1').digest('hex')}`,
    });
  });
});

describe('tracing: payload truncation', () => {
  let app: TestingModule;
  beforeAll(async () => {
    app = await appWith({ redaction: { maxPayloadChars: 40 } });
  });
  afterAll(() => app.close());

  it('cuts the JSON at maxPayloadChars and says so', async () => {
    await app
      .get(CommandBus)
      .execute(new PlaceOrderCommand({ sku: 'A'.repeat(100), quantity: 1, mode: 'no-event' }));
    const span = spanNamed(sdk.exporter.getFinishedSpans(), 'cqrs.PlaceOrderCommand');
    const json = payloadOf(span);
    expect(json.endsWith('...<truncated>')).toBe(true);
    expect(json.length).toBe(40 + '...<truncated>'.length);
    expect(span.attributes[A.PAYLOAD_TRUNCATED]).toBe(true);
    expect(span.attributes[A.PAYLOAD_SIZE]).toBeGreaterThan(40);
  });
});

describe('tracing: payload off', () => {
  let app: TestingModule;
  beforeAll(async () => {
    app = await appWith({ tracing: { payload: false } });
  });
  afterAll(() => app.close());

  it('adds no payload event or attributes with tracing.payload: false', async () => {
    await app
      .get(CommandBus)
      .execute(new PlaceOrderCommand({ sku: 'S', quantity: 1, mode: 'no-event' }));
    const span = spanNamed(sdk.exporter.getFinishedSpans(), 'cqrs.PlaceOrderCommand');
    expect(span.events).toEqual([]);
    expect(span.attributes).not.toHaveProperty(A.PAYLOAD_PRESENT);
    expect(span.attributes).not.toHaveProperty(A.PAYLOAD_SIZE);
    expect(span.attributes[A.OUTCOME]).toBe('success');
  });
});
