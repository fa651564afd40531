import { BaseQuery } from 'nestjs-cqrs-observability';

export interface OrderStatsView {
  readonly ordersCreated: number;
  readonly unitsOrdered: number;
  /** Commands each saga emitted, counted by the app's own hook (see SagaRunCounter). */
  readonly sagaRuns: Readonly<Record<string, number>>;
}

export class GetOrderStatsQuery extends BaseQuery<OrderStatsView> {}
