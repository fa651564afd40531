/** Header read for an incoming correlation id, and echoed on the response. */
export const DEFAULT_CORRELATION_HEADER = 'x-correlation-id';
/** Also accepted on the way in when the correlation header is absent. */
export const REQUEST_ID_HEADER = 'x-request-id';
/** Header read for an incoming tenant id when `tenant` is on, and echoed on the response. */
export const DEFAULT_TENANT_HEADER = 'x-tenant-id';
/** Message field read for a message's own tenant id when `tenant` is on. */
export const DEFAULT_TENANT_MESSAGE_FIELD = 'tenantId';
