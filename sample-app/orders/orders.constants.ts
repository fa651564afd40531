/** Orders for this SKU fail inside CreateOrderHandler, to demonstrate error telemetry. */
export const FAILING_SKU = 'FAIL';

/** Upper-case letters, digits and dashes: SKUs end up in URLs and log lines. */
export const SKU_PATTERN = /^[A-Z0-9-]{1,32}$/;

/** Most units of one SKU per order. */
export const MAX_QUANTITY = 100;
