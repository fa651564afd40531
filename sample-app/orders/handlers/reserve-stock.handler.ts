import { Inject, Logger, Optional } from '@nestjs/common';
import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import type { ClientProxy } from '@nestjs/microservices';
import { lastValueFrom } from 'rxjs';
import {
  WAREHOUSE_CLIENT,
  WarehousePatterns,
  type StockReservation,
} from '../../warehouse/warehouse.contract';
import { ReserveStockCommand } from '../commands/reserve-stock.command';
import { OrdersRepository } from '../orders.repository';

@CommandHandler(ReserveStockCommand)
export class ReserveStockHandler implements ICommandHandler<ReserveStockCommand, void> {
  private readonly logger = new Logger(ReserveStockHandler.name);

  constructor(
    private readonly orders: OrdersRepository,
    // Present with NATS_URL: the warehouse service owns the stock then.
    @Optional() @Inject(WAREHOUSE_CLIENT) private readonly warehouse?: ClientProxy,
  ) {}

  async execute(command: ReserveStockCommand): Promise<void> {
    const reserved =
      this.warehouse === undefined
        ? this.orders.reserveStock(command.sku, command.quantity)
        : (
            await lastValueFrom(
              this.warehouse.send<StockReservation>(WarehousePatterns.RESERVE_STOCK, {
                orderId: command.orderId,
                sku: command.sku,
                quantity: command.quantity,
              }),
            )
          ).reserved;
    this.orders.setStatus(command.orderId, 'stock_reserved');
    this.logger.log({ orderId: command.orderId, sku: command.sku, reserved }, 'stock reserved');
  }
}
