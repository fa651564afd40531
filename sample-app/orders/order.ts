/** `created` when stored; `stock_reserved` once OrderSaga's ReserveStockCommand has run. */
export type OrderStatus = 'created' | 'stock_reserved';

/**
 * An order as the API shows it. The customer's e-mail is not kept: the confirmation handler
 * gets it from the event, and data that is never stored can never leak from a dump.
 */
export interface Order {
  readonly id: string;
  readonly sku: string;
  readonly quantity: number;
  readonly status: OrderStatus;
}

/** One page of orders, newest last. */
export interface OrderPage {
  readonly items: readonly Order[];
  readonly page: number;
  readonly pageSize: number;
  readonly total: number;
}
