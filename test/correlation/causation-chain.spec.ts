import { CommandBus, EventBus } from '@nestjs/cqrs';
import type { TestingModule } from '@nestjs/testing';
import {
  generateCorrelationId,
  getCausationId,
  getContextVars,
  getCorrelationId,
  HookRegistry,
  OperationAttributes,
  runWithContext,
  setCausationId,
  setContextVars,
  setCorrelationId,
  trackFlow,
} from '../../lib';
import {
  PlaceOrderCommand,
  PlainCommand,
  Recorder,
  ReserveStockCommand,
} from '../fixtures/orders.fixture';
import { createTestApp } from '../utils/create-app';

describe('correlation and causation through command → event → handler → saga → command', () => {
  let app: TestingModule;
  let operations: Array<{ operation: string; attributes: OperationAttributes }>;

  beforeEach(async () => {
    app = await createTestApp();
    operations = [];
    app.get(HookRegistry).register((operation, attributes, next) => {
      operations.push({ operation, attributes });
      return next();
    });
  });
  afterEach(() => app.close());

  const attributesOf = (operation: string) =>
    operations.find((o) => o.operation === operation)!.attributes;

  it('carries one correlation id and chains causation ids by message id', async () => {
    const command = new PlaceOrderCommand({ sku: 'A', quantity: 1 });
    await trackFlow(app, () => app.get(CommandBus).execute(command));

    const placed = attributesOf('command.execute.PlaceOrderCommand');
    const dispatched = attributesOf('event.dispatch.OrderPlacedEvent');
    const handled = attributesOf('event.handler.OrderPlacedEvent.SendConfirmationHandler');
    const saga = attributesOf('saga.run.OrderSaga');
    const reserved = attributesOf('command.execute.ReserveStockCommand');

    const flow = placed.correlation_id;
    expect(flow).toMatch(/^[0-9a-f-]{36}$/);
    for (const attributes of [dispatched, handled, saga, reserved])
      expect(attributes.correlation_id).toBe(flow);

    expect(placed.message_id).toBe(command.requestId);
    expect(placed.causation_id).toBeUndefined();
    expect(dispatched.causation_id).toBe(command.requestId);
    expect(handled.message_id).toBe(dispatched.message_id);
    expect(handled.causation_id).toBe(command.requestId);
    expect(saga.causation_id).toBe(dispatched.message_id);
    expect(saga['event.type']).toBe('OrderPlacedEvent');
    expect(saga['command.type']).toBe('ReserveStockCommand');
    expect(reserved.causation_id).toBe(dispatched.message_id);
    expect(reserved.message_id).toBe((reserved.message as ReserveStockCommand).requestId);
    expect(reserved.message_id).toBe(saga.message_id);

    // Inside each handler: the flow's id, and the causation id of the message being handled.
    const seen = app.get(Recorder).seen;
    const inside = (where: string) => seen.find((s) => s.where === where)!;
    expect(inside('PlaceOrderHandler')).toMatchObject({
      correlationId: flow,
      causationId: undefined,
    });
    expect(inside('SendConfirmationHandler')).toMatchObject({
      correlationId: flow,
      causationId: command.requestId,
    });
    expect(inside('ReserveStockHandler')).toMatchObject({
      correlationId: flow,
      causationId: dispatched.message_id,
    });
  });

  it('prefers the message own correlationId', async () => {
    await trackFlow(app, () =>
      app
        .get(CommandBus)
        .execute(new PlaceOrderCommand({ sku: 'A', quantity: 1, correlationId: 'from-message' })),
    );
    expect(operations.every((o) => o.attributes.correlation_id === 'from-message')).toBe(true);
  });

  it('gives each top-level dispatch outside any context a flow of its own', async () => {
    await app.get(CommandBus).execute(new PlainCommand('a'));
    await app.get(CommandBus).execute(new PlainCommand('b'));
    const [first, second] = operations.map((o) => o.attributes);
    expect(first!.correlation_id).not.toBe(second!.correlation_id);
    expect(getCorrelationId()).toBeUndefined();
  });

  it('generates a message id for a message without requestId', async () => {
    await app.get(CommandBus).execute(new PlainCommand('a'));
    expect(operations[0]!.attributes.message_id).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('shares the ids of an event published outside any context with all its handlers', async () => {
    const { OrderPlacedEvent } = await import('../fixtures/orders.fixture');
    await trackFlow(app, () => app.get(EventBus).publish(new OrderPlacedEvent({ sku: 'lonely' })));
    const dispatched = attributesOf('event.dispatch.OrderPlacedEvent');
    expect(
      attributesOf('event.handler.OrderPlacedEvent.SendConfirmationHandler').correlation_id,
    ).toBe(dispatched.correlation_id);
    expect(attributesOf('command.execute.ReserveStockCommand').correlation_id).toBe(
      dispatched.correlation_id,
    );
  });

  it('keeps hundreds of concurrent flows apart', async () => {
    const flows = Array.from({ length: 300 }, (_, i) => `flow-${i}`);
    await trackFlow(
      app,
      () =>
        Promise.all(
          flows.map((flow, i) =>
            runWithContext({ correlationId: flow }, async () => {
              await new Promise((resolve) => setTimeout(resolve, i % 5));
              await app.get(CommandBus).execute(new PlaceOrderCommand({ sku: flow, quantity: 1 }));
            }),
          ),
        ),
      { maxOperations: 2000 },
    );
    const reserved = operations.filter(
      (o) => o.operation === 'command.execute.ReserveStockCommand',
    );
    expect(reserved).toHaveLength(300);
    for (const { attributes } of reserved) {
      expect(attributes.correlation_id).toBe((attributes.message as ReserveStockCommand).sku);
    }
  });

  it('with correlation: false, opens no context and sets no ids in handlers', async () => {
    const bare = await createTestApp({ observability: { correlation: false } });
    await bare.get(CommandBus).execute(new PlaceOrderCommand({ sku: 'A', quantity: 1 }));
    expect(bare.get(Recorder).seen[0]).toMatchObject({
      correlationId: undefined,
      causationId: undefined,
    });
    await bare.close();
  });
});

describe('functional correlation API', () => {
  it('runWithContext sets and isolates the vars; a missing correlation id is generated', async () => {
    await runWithContext({ correlationId: 'job-1', causationId: 'msg-0' }, async () => {
      expect(getCorrelationId()).toBe('job-1');
      expect(getCausationId()).toBe('msg-0');
      await runWithContext({}, async () => {
        expect(getCorrelationId()).toMatch(/^[0-9a-f-]{36}$/);
        expect(getCausationId()).toBeUndefined();
      });
      expect(getCorrelationId()).toBe('job-1');
    });
    expect(getCorrelationId()).toBeUndefined();
  });

  it('getContextVars / setContextVars carry a flow into background work', async () => {
    let captured = {};
    await runWithContext({ correlationId: 'req-9' }, async () => {
      setCausationId('cmd-1');
      captured = getContextVars();
    });
    expect(captured).toEqual({ correlationId: 'req-9', causationId: 'cmd-1' });
    await runWithContext({}, async () => {
      setContextVars(captured);
      expect(getCorrelationId()).toBe('req-9');
      expect(getCausationId()).toBe('cmd-1');
    });
  });

  it('setCorrelationId changes the id of the current context only', async () => {
    await runWithContext({ correlationId: 'outer' }, async () => {
      await runWithContext({ correlationId: 'inner' }, async () => {
        setCorrelationId('changed');
        expect(getCorrelationId()).toBe('changed');
      });
      expect(getCorrelationId()).toBe('outer');
    });
  });

  it.each<[unknown, string]>([
    ['', 'empty'],
    ['x'.repeat(129), 'too long'],
    ['bad id', 'space'],
    [42, 'number'],
  ])('rejects an invalid id (%s: %s) with a TypeError naming the field', (value) => {
    expect(() => setCorrelationId(value as string)).toThrow(/correlationId must be/);
    expect(() => setCausationId(value as string)).toThrow(/causationId must be/);
    expect(() => runWithContext({ correlationId: value as string }, () => 1)).toThrow(
      /correlationId/,
    );
  });

  it('generateCorrelationId returns distinct UUID v4 values', () => {
    const a = generateCorrelationId();
    expect(a).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(generateCorrelationId()).not.toBe(a);
  });
});
