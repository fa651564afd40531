import { Logger } from '@nestjs/common';
import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { ReserveStockCommand } from '../commands/reserve-stock.command';
import { OrdersRepository } from '../orders.repository';

@CommandHandler(ReserveStockCommand)
export class ReserveStockHandler implements ICommandHandler<ReserveStockCommand, void> {
  private readonly logger = new Logger(ReserveStockHandler.name);

  constructor(private readonly orders: OrdersRepository) {}

  async execute(command: ReserveStockCommand): Promise<void> {
    const reserved = this.orders.reserveStock(command.sku, command.quantity);
    this.orders.setStatus(command.orderId, 'stock_reserved');
    this.logger.log({ orderId: command.orderId, sku: command.sku, reserved }, 'stock reserved');
  }
}
