import { BaseQuery, type QueryProps } from 'nestjs-cqrs-observability';
import type { Order } from '../order';

/** `undefined` when there is no such order: not finding one is an answer, not a failure. */
export class GetOrderQuery extends BaseQuery<Order | undefined> {
  declare readonly orderId: string;

  constructor(props: QueryProps<GetOrderQuery>) {
    super(props);
  }
}
