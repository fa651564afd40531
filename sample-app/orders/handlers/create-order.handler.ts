import { CommandHandler, EventBus, ICommandHandler } from '@nestjs/cqrs';
import { randomUUID } from 'node:crypto';
import { CreateOrderCommand } from '../commands/create-order.command';
import { WarehouseUnavailableError } from '../errors/warehouse-unavailable.error';
import { OrderCreatedEvent } from '../events/order-created.event';
import type { Order } from '../order';
import { FAILING_SKU } from '../orders.constants';
import { OrdersRepository } from '../orders.repository';

/**
 * No tracing, metrics or logging code here: the library observes the command around this
 * handler, and the event published below is traced as its child.
 */
@CommandHandler(CreateOrderCommand)
export class CreateOrderHandler implements ICommandHandler<CreateOrderCommand, Order> {
  constructor(
    private readonly orders: OrdersRepository,
    private readonly eventBus: EventBus,
  ) {}

  async execute(command: CreateOrderCommand): Promise<Order> {
    if (command.sku === FAILING_SKU) throw new WarehouseUnavailableError(command.sku);
    const order: Order = {
      id: randomUUID(),
      sku: command.sku,
      quantity: command.quantity,
      status: 'created',
    };
    this.orders.save(order);
    this.eventBus.publish(
      new OrderCreatedEvent({
        orderId: order.id,
        sku: order.sku,
        quantity: order.quantity,
        email: command.email,
      }),
    );
    return order;
  }
}
