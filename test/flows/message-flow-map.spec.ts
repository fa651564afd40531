import { CommandBus, EventBus } from '@nestjs/cqrs';
import type { TestingModule } from '@nestjs/testing';
import {
  type CqrsObservabilityModuleOptions,
  MessageFlowMap,
  renderMessageFlowHtml,
  trackFlow,
  type MessageFlowGraph,
} from '../../lib';
import { FailingEvent, PlaceOrderCommand, Recorder } from '../fixtures/orders.fixture';
import { createTestApp } from '../utils/create-app';

const QUIET = { logging: false, metrics: false, sentry: false, tracing: false } as const;

describe('MessageFlowMap', () => {
  let app: TestingModule;

  afterEach(() => app.close());

  async function runOrders(): Promise<MessageFlowGraph> {
    const bus = app.get(CommandBus);
    await trackFlow(app, () => bus.execute(new PlaceOrderCommand({ sku: 'A', quantity: 1 })));
    await trackFlow(app, () => bus.execute(new PlaceOrderCommand({ sku: 'B', quantity: 1 })));
    await trackFlow(app, () =>
      bus.execute(new PlaceOrderCommand({ sku: 'C', quantity: 1, mode: 'reject' })),
    );
    await trackFlow(app, () => app.get(EventBus).publish(new FailingEvent()));
    return app.get(MessageFlowMap).toJSON();
  }

  it('maps command → event → handler / saga → command with counts and error counts', async () => {
    app = await createTestApp({ observability: { ...QUIET, flowMap: true } });
    const graph = await runOrders();

    expect(graph.enabled).toBe(true);
    expect(graph.truncated).toBe(false);
    expect(graph.nodes).toEqual(
      expect.arrayContaining([
        {
          id: 'command:PlaceOrderCommand',
          kind: 'command',
          name: 'PlaceOrderCommand',
          count: 3,
          errors: 1,
        },
        {
          id: 'event:OrderPlacedEvent',
          kind: 'event',
          name: 'OrderPlacedEvent',
          count: 2,
          errors: 0,
        },
        {
          id: 'handler:SendConfirmationHandler',
          kind: 'handler',
          name: 'SendConfirmationHandler',
          count: 2,
          errors: 0,
        },
        { id: 'saga:OrderSaga', kind: 'saga', name: 'OrderSaga', count: 2, errors: 0 },
        {
          id: 'command:ReserveStockCommand',
          kind: 'command',
          name: 'ReserveStockCommand',
          count: 2,
          errors: 0,
        },
        { id: 'event:FailingEvent', kind: 'event', name: 'FailingEvent', count: 1, errors: 0 },
        {
          id: 'handler:FailingEventHandler',
          kind: 'handler',
          name: 'FailingEventHandler',
          count: 1,
          errors: 1,
        },
      ]),
    );
    expect(graph.nodes).toHaveLength(7);
    expect(graph.edges).toEqual(
      expect.arrayContaining([
        { from: 'command:PlaceOrderCommand', to: 'event:OrderPlacedEvent', count: 2, errors: 0 },
        {
          from: 'event:OrderPlacedEvent',
          to: 'handler:SendConfirmationHandler',
          count: 2,
          errors: 0,
        },
        { from: 'event:OrderPlacedEvent', to: 'saga:OrderSaga', count: 2, errors: 0 },
        { from: 'saga:OrderSaga', to: 'command:ReserveStockCommand', count: 2, errors: 0 },
        { from: 'event:FailingEvent', to: 'handler:FailingEventHandler', count: 1, errors: 1 },
      ]),
    );
    expect(graph.edges).toHaveLength(5);
  });

  it('holds class names and counts only: no ids, no payloads', async () => {
    app = await createTestApp({ observability: { ...QUIET, flowMap: true } });
    const ids: string[] = [];
    const command = new PlaceOrderCommand({ sku: 'SECRET-SKU', quantity: 1 });
    ids.push(command.requestId);
    const flow = await trackFlow(app, () => app.get(CommandBus).execute(command));
    for (const op of flow.operations) ids.push(op.messageId!, op.correlationId!);
    const json = JSON.stringify(app.get(MessageFlowMap).toJSON());
    expect(json).toContain('PlaceOrderCommand');
    for (const id of ids) expect(json).not.toContain(id);
    expect(json).not.toContain('SECRET-SKU');
  });

  it('stays within maxNodes and maxEdges and says it was truncated', async () => {
    app = await createTestApp({
      observability: { ...QUIET, flowMap: { maxNodes: 3, maxEdges: 1 } },
    });
    const graph = await runOrders();
    expect(graph.nodes).toHaveLength(3);
    expect(graph.edges).toHaveLength(1);
    expect(graph.truncated).toBe(true);
  });

  it('records nothing unless the flowMap option turns it on', async () => {
    app = await createTestApp({ observability: QUIET });
    const graph = await runOrders();
    expect(app.get(Recorder).calls).toContain('ReserveStockHandler');
    expect(graph).toEqual({ enabled: false, nodes: [], edges: [], truncated: false });
  });

  it('reset() forgets what was recorded', async () => {
    app = await createTestApp({ observability: { ...QUIET, flowMap: true } });
    await runOrders();
    app.get(MessageFlowMap).reset();
    expect(app.get(MessageFlowMap).toJSON().nodes).toEqual([]);
  });
});

describe('flowMap option', () => {
  it.each<[unknown, RegExp]>([
    [{ maxNodes: 0 }, /flowMap\.maxNodes/],
    [{ maxEdges: 1.5 }, /flowMap\.maxEdges/],
    [{ nodes: 1 }, /flowMap\.nodes/],
    ['yes', /flowMap/],
  ])('rejects flowMap %p at bootstrap, naming the option', async (flowMap, message) => {
    await expect(
      createTestApp({ observability: { flowMap } as CqrsObservabilityModuleOptions }),
    ).rejects.toThrow(message);
  });
});

describe('renderMessageFlowHtml', () => {
  const graph: MessageFlowGraph = {
    enabled: true,
    truncated: false,
    nodes: [
      { id: 'command:A', kind: 'command', name: 'A', count: 2, errors: 1 },
      { id: 'event:B<script>', kind: 'event', name: 'B<script>', count: 1, errors: 0 },
    ],
    edges: [{ from: 'command:A', to: 'event:B<script>', count: 1, errors: 1 }],
  };

  it('is one self-contained page: inline SVG, no script, no outside asset, names escaped', () => {
    const html = renderMessageFlowHtml(graph);
    expect(html).toContain('<svg xmlns="http://www.w3.org/2000/svg" id="flow-map"');
    expect(html).toContain('data-id="command:A"');
    expect(html).toContain('data-id="event:B&lt;script&gt;"');
    expect(html).not.toMatch(/<script/i);
    expect(html).not.toMatch(/(src|href)=/i);
    expect(html).toContain('1 (1 failed)');
  });
});
