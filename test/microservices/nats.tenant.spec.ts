import { Controller, Inject, type INestMicroservice } from '@nestjs/common';
import {
  CommandBus,
  CommandHandler,
  CqrsModule,
  EventBus,
  EventsHandler,
  type ICommandHandler,
  type IEventHandler,
} from '@nestjs/cqrs';
import {
  ClientsModule,
  EventPattern,
  Payload,
  Transport,
  type ClientProxy,
} from '@nestjs/microservices';
import { Test, type TestingModule } from '@nestjs/testing';
import { lastValueFrom } from 'rxjs';
import {
  BaseCommand,
  BaseEvent,
  CqrsObservabilityModule,
  getTenantId,
  MessageHeaders,
  TracingAttributes,
} from '../../lib';
import {
  assertBrokerInstalled,
  describeWithBroker,
  NATS_SERVER_BIN,
  startNats,
  type Broker,
} from './brokers';
import { startTracingSdk, type TracingSdk } from '../tracing/tracing-sdk';

const WAREHOUSE = Symbol('warehouse-client');
const PATTERN = 'tenant.order.placed';
const seen: Array<{ where: string; orderId: string; tenantId: string | undefined }> = [];

class ShipOrderCommand extends BaseCommand<void, { orderId: string; tenantId?: string }> {
  declare readonly orderId: string;
}

@CommandHandler(ShipOrderCommand)
class ShipOrderHandler implements ICommandHandler<ShipOrderCommand> {
  constructor(@Inject(WAREHOUSE) private readonly client: ClientProxy) {}

  async execute(command: ShipOrderCommand): Promise<void> {
    await lastValueFrom(this.client.emit(PATTERN, { orderId: command.orderId }), {
      defaultValue: undefined,
    });
  }
}

class ReserveStockCommand extends BaseCommand<void, { orderId: string }> {
  declare readonly orderId: string;
}

class StockReservedEvent extends BaseEvent<{ orderId: string }> {
  declare readonly orderId: string;
}

@Controller()
class WarehouseController {
  constructor(private readonly commandBus: CommandBus) {}

  @EventPattern(PATTERN)
  async placed(@Payload() data: { orderId: string }): Promise<void> {
    seen.push({ where: 'WarehouseController', orderId: data.orderId, tenantId: getTenantId() });
    await this.commandBus.execute(new ReserveStockCommand({ orderId: data.orderId }));
  }
}

@CommandHandler(ReserveStockCommand)
class ReserveStockHandler implements ICommandHandler<ReserveStockCommand> {
  constructor(private readonly eventBus: EventBus) {}

  async execute(command: ReserveStockCommand): Promise<void> {
    seen.push({ where: 'ReserveStockHandler', orderId: command.orderId, tenantId: getTenantId() });
    await this.eventBus.publish(new StockReservedEvent({ orderId: command.orderId }));
  }
}

@EventsHandler(StockReservedEvent)
class StockReservedHandler implements IEventHandler<StockReservedEvent> {
  handle(event: StockReservedEvent): void {
    seen.push({ where: 'StockReservedHandler', orderId: event.orderId, tenantId: getTenantId() });
  }
}

describeWithBroker(NATS_SERVER_BIN)('tenant id across a real NATS hop', () => {
  let broker: Broker;
  let sdk: TracingSdk;
  let orders: TestingModule;
  let warehouse: INestMicroservice;

  beforeAll(async () => {
    assertBrokerInstalled(NATS_SERVER_BIN, 'nats-server');
    sdk = startTracingSdk();
    broker = await startNats();
    const warehouseModule = await Test.createTestingModule({
      imports: [
        CqrsModule.forRoot(),
        CqrsObservabilityModule.forRoot({ tenant: true, metrics: false }),
      ],
      controllers: [WarehouseController],
      providers: [ReserveStockHandler, StockReservedHandler],
    }).compile();
    warehouse = warehouseModule.createNestMicroservice({
      transport: Transport.NATS,
      options: { servers: [broker.url] },
      logger: false,
    });
    await warehouse.listen();
    orders = await Test.createTestingModule({
      imports: [
        CqrsModule.forRoot(),
        CqrsObservabilityModule.forRoot({ tenant: true, metrics: false }),
        ClientsModule.register([
          { name: WAREHOUSE, transport: Transport.NATS, options: { servers: [broker.url] } },
        ]),
      ],
      providers: [ShipOrderHandler],
    }).compile();
    await orders.init();
  }, 60_000);

  afterAll(async () => {
    await orders?.close();
    await warehouse?.close();
    await broker?.stop();
    await sdk?.shutdown();
  }, 30_000);

  async function arrived(orderId: string): Promise<void> {
    const deadline = Date.now() + 10_000;
    while (!seen.some((s) => s.where === 'StockReservedHandler' && s.orderId === orderId)) {
      if (Date.now() > deadline) throw new Error(`never arrived: ${JSON.stringify(seen)}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    // Let the last spans end.
    await new Promise((resolve) => setTimeout(resolve, 20));
  }

  it("carries the sender's tenant in x-tenant-id and the receiving flow continues in it", async () => {
    await Promise.all(
      ['acme', 'globex'].map((tenant) =>
        orders
          .get(CommandBus)
          .execute(new ShipOrderCommand({ orderId: `n-${tenant}`, tenantId: tenant })),
      ),
    );
    await arrived('n-acme');
    await arrived('n-globex');

    for (const tenant of ['acme', 'globex']) {
      const orderId = `n-${tenant}`;
      expect(seen.filter((s) => s.orderId === orderId)).toEqual([
        { where: 'WarehouseController', orderId, tenantId: tenant },
        { where: 'ReserveStockHandler', orderId, tenantId: tenant },
        { where: 'StockReservedHandler', orderId, tenantId: tenant },
      ]);
    }

    const spans = sdk.exporter.getFinishedSpans();
    const byTrace = (tenant: string) => {
      const ship = spans.find(
        (span) =>
          span.name === 'cqrs.ShipOrderCommand' &&
          span.attributes[TracingAttributes.TENANT_ID] === tenant,
      )!;
      expect(ship).toBeDefined();
      return spans.filter((span) => span.spanContext().traceId === ship.spanContext().traceId);
    };
    for (const tenant of ['acme', 'globex']) {
      const flow = byTrace(tenant);
      const names = [
        'cqrs.ShipOrderCommand',
        `send ${PATTERN}`,
        `process ${PATTERN}`,
        'cqrs.ReserveStockCommand',
        'event.dispatch.StockReservedEvent',
        'event.handler.StockReservedEvent.StockReservedHandler',
      ];
      expect(flow.map((span) => span.name).sort()).toEqual([...names].sort());
      for (const span of flow) expect(span.attributes[TracingAttributes.TENANT_ID]).toBe(tenant);
    }
    expect(MessageHeaders.TENANT_ID).toBe('x-tenant-id');
  });
});
