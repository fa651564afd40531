/** Keys of the correlation frame in the nestjs-cls store. Never exported from the package. */
export const CORRELATION_ID = Symbol('cqrs-observability.correlation-id');
export const CAUSATION_ID = Symbol('cqrs-observability.causation-id');
/** Id of the message whose handler is running: the causation id of what it dispatches. */
export const HANDLED_MESSAGE_ID = Symbol('cqrs-observability.handled-message-id');
/** Class name of the message being handled; a saga's command records which event caused it. */
export const HANDLED_MESSAGE_TYPE = Symbol('cqrs-observability.handled-message-type');
/** Tenant of the flow: the handled message's, or the one a transport message brought. */
export const TENANT_ID = Symbol('cqrs-observability.tenant-id');
/** Tenant the HTTP request's header named: below the app's own nestjs-cls key. */
export const REQUEST_TENANT_ID = Symbol('cqrs-observability.request-tenant-id');
