import { IQueryHandler, QueryHandler } from '@nestjs/cqrs';
import type { Order } from '../order';
import { OrdersRepository } from '../orders.repository';
import { GetOrderQuery } from '../queries/get-order.query';

@QueryHandler(GetOrderQuery)
export class GetOrderHandler implements IQueryHandler<GetOrderQuery, Order | undefined> {
  constructor(private readonly orders: OrdersRepository) {}

  async execute(query: GetOrderQuery): Promise<Order | undefined> {
    return this.orders.findById(query.orderId);
  }
}
