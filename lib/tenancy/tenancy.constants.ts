/**
 * The tenant step puts the tenant on the operation attribute `tenant_id`; the signals write it
 * under their own names: span attribute `tenant.id`, log field `tenant_id`, Sentry tag
 * `tenant_id`, metric label `tenant` (see each signal's constants file).
 */

/**
 * Priority of the tenant step: before every built-in signal (validation runs at -1000), so
 * each of them and every user hook sees `tenant_id`.
 */
export const TENANT_PRIORITY = -1100;
