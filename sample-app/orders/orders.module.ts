import { Module } from '@nestjs/common';
import { SagaRunCounter } from '../hooks/saga-run.counter';
import { CreateOrderHandler } from './handlers/create-order.handler';
import { GetOrderStatsHandler } from './handlers/get-order-stats.handler';
import { GetOrderHandler } from './handlers/get-order.handler';
import { ListOrdersHandler } from './handlers/list-orders.handler';
import { ReserveStockHandler } from './handlers/reserve-stock.handler';
import { SendConfirmationEmailHandler } from './handlers/send-confirmation-email.handler';
import { UpdateOrderStatsHandler } from './handlers/update-order-stats.handler';
import { OrderStats } from './order-stats';
import { OrdersController } from './orders.controller';
import { OrdersRepository } from './orders.repository';
import { OrderSaga } from './sagas/order.saga';

@Module({
  controllers: [OrdersController],
  providers: [
    OrdersRepository,
    OrderStats,
    SagaRunCounter,
    CreateOrderHandler,
    ReserveStockHandler,
    GetOrderHandler,
    ListOrdersHandler,
    GetOrderStatsHandler,
    SendConfirmationEmailHandler,
    UpdateOrderStatsHandler,
    OrderSaga,
  ],
})
export class OrdersModule {}
