/**
 * The failure the sample provokes on purpose (SKU `FAIL`, or `POST /orders/fail`) so that every
 * signal shows an error: a span with status ERROR, `outcome="error"` in the metrics, an error
 * log line and, with SENTRY_DSN set, a Sentry event. Not an HttpException, so Nest answers 500.
 */
export class WarehouseUnavailableError extends Error {
  override readonly name = 'WarehouseUnavailableError';

  constructor(readonly sku: string) {
    super(`Warehouse unavailable for SKU ${sku}`);
  }
}
