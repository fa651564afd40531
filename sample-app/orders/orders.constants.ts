/** Orders for this SKU fail inside CreateOrderHandler, to demonstrate error telemetry. */
export const FAILING_SKU = 'FAIL';

/** Orders for this SKU are created, then SendConfirmationEmailHandler fails on their event. */
export const FAILING_EMAIL_SKU = 'FAIL-EMAIL';

/**
 * An order for this SKU kills OrderSaga's stream: @nestjs/cqrs stops the saga for good (until
 * the process restarts), which is what the saga-stream-errors panel and alert are for.
 */
export const SAGA_KILLER_SKU = 'KILL-SAGA';

/** Upper-case letters, digits and dashes: SKUs end up in URLs and log lines. */
export const SKU_PATTERN = /^[A-Z0-9-]{1,32}$/;

/** Most units of one SKU per order. */
export const MAX_QUANTITY = 100;
