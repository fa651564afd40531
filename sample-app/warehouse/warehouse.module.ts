import { Controller, Injectable, Logger, Module } from '@nestjs/common';
import { CommandBus, CommandHandler, CqrsModule, type ICommandHandler } from '@nestjs/cqrs';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { CqrsObservabilityModule, cqrsLogMixin } from 'nestjs-cqrs-observability';
import { LoggerModule } from 'nestjs-pino';
import { destination } from 'pino';
import { ReserveWarehouseStockCommand } from './reserve-warehouse-stock.command';
import {
  WarehousePatterns,
  type StockReservation,
  type StockReservationRequest,
} from './warehouse.contract';

@Injectable()
class Stock {
  private readonly reserved = new Map<string, number>();

  reserve(sku: string, quantity: number): number {
    const total = (this.reserved.get(sku) ?? 0) + quantity;
    this.reserved.set(sku, total);
    return total;
  }
}

@CommandHandler(ReserveWarehouseStockCommand)
class ReserveWarehouseStockHandler implements ICommandHandler<ReserveWarehouseStockCommand> {
  private readonly logger = new Logger('Warehouse');

  constructor(private readonly stock: Stock) {}

  async execute(command: ReserveWarehouseStockCommand): Promise<number> {
    const reserved = this.stock.reserve(command.sku, command.quantity);
    this.logger.log({ orderId: command.orderId, sku: command.sku, reserved }, 'stock reserved');
    return reserved;
  }
}

/**
 * The warehouse's NATS handler. Nothing here reads headers: the library's interceptor runs it
 * in the orders flow (same correlation id, causation continuing, child of the orders trace).
 */
@Controller()
class WarehouseController {
  constructor(private readonly commandBus: CommandBus) {}

  @MessagePattern(WarehousePatterns.RESERVE_STOCK)
  async reserve(@Payload() request: StockReservationRequest): Promise<StockReservation> {
    const reserved = await this.commandBus.execute(new ReserveWarehouseStockCommand(request));
    return { orderId: request.orderId, reserved };
  }
}

@Module({
  imports: [
    CqrsModule.forRoot(),
    LoggerModule.forRoot({
      pinoHttp: [
        { mixin: cqrsLogMixin(), autoLogging: false },
        destination({ dest: 1, sync: true }),
      ],
    }),
    CqrsObservabilityModule.forRoot(),
  ],
  controllers: [WarehouseController],
  providers: [Stock, ReserveWarehouseStockHandler],
})
export class WarehouseModule {}
