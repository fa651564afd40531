import { IQueryHandler, QueryHandler } from '@nestjs/cqrs';
import { SagaRunCounter } from '../../hooks/saga-run.counter';
import { OrderStats } from '../order-stats';
import { GetOrderStatsQuery, type OrderStatsView } from '../queries/get-order-stats.query';

@QueryHandler(GetOrderStatsQuery)
export class GetOrderStatsHandler implements IQueryHandler<GetOrderStatsQuery, OrderStatsView> {
  constructor(
    private readonly stats: OrderStats,
    private readonly sagaRuns: SagaRunCounter,
  ) {}

  async execute(): Promise<OrderStatsView> {
    return { ...this.stats.snapshot(), sagaRuns: this.sagaRuns.snapshot() };
  }
}
