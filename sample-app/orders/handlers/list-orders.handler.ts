import { IQueryHandler, QueryHandler } from '@nestjs/cqrs';
import type { OrderPage } from '../order';
import { OrdersRepository } from '../orders.repository';
import { ListOrdersQuery } from '../queries/list-orders.query';

@QueryHandler(ListOrdersQuery)
export class ListOrdersHandler implements IQueryHandler<ListOrdersQuery, OrderPage> {
  constructor(private readonly orders: OrdersRepository) {}

  async execute(query: ListOrdersQuery): Promise<OrderPage> {
    const { items, total } = this.orders.list(query.offset, query.limit);
    return { items, page: query.page, pageSize: query.pageSize, total };
  }
}
