import { PaginatedQuery } from 'nestjs-cqrs-observability';
import type { OrderPage } from '../order';

/**
 * `page` and `pageSize` come straight from the query string: PaginatedQuery turns integer
 * strings into numbers and its validation rejects the rest at dispatch, all fields together.
 */
export class ListOrdersQuery extends PaginatedQuery<OrderPage> {}
