/** What the orders service and the warehouse service agree on over NATS. */

/** DI token of the orders side's NATS client to the warehouse (only with NATS_URL). */
export const WAREHOUSE_CLIENT = Symbol('orders-sample.warehouse-client');

export const WarehousePatterns = {
  /** Request/reply: reserve stock for an order. */
  RESERVE_STOCK: 'warehouse.reserve-stock',
} as const;

export interface StockReservationRequest {
  readonly orderId: string;
  readonly sku: string;
  readonly quantity: number;
}

export interface StockReservation {
  readonly orderId: string;
  /** Units reserved so far for the SKU. */
  readonly reserved: number;
}
