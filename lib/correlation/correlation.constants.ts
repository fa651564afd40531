/** Header read for an incoming correlation id, and echoed on the response. */
export const DEFAULT_CORRELATION_HEADER = 'x-correlation-id';
/** Also accepted on the way in when the correlation header is absent. */
export const REQUEST_ID_HEADER = 'x-request-id';
