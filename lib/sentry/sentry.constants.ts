/**
 * Every name the Sentry signal writes on an event: tag keys, the context and its keys, the
 * exception mechanism. The README's Sentry table is checked against this file.
 */

/** Tags set on each captured failure (searchable in Sentry). */
export const SentryTags = {
  MESSAGE_TYPE: 'cqrs.message_type',
  KIND: 'cqrs.kind',
  CORRELATION_ID: 'correlation_id',
  CAUSATION_ID: 'causation_id',
  /** The flow's tenant; only with the `tenant` option. */
  TENANT_ID: 'tenant_id',
} as const;

/** Name of the context holding the message's `@Audit()` fields, redacted. */
export const SENTRY_AUDIT_CONTEXT_NAME = 'audit';

/** Name of the context holding the failure's ids, handler and redacted payload. */
export const SENTRY_CONTEXT_NAME = 'cqrs';

/** Keys of the `cqrs` context. */
export const SentryContextKeys = {
  OPERATION: 'operation',
  MESSAGE_ID: 'message_id',
  CORRELATION_ID: 'correlation_id',
  CAUSATION_ID: 'causation_id',
  HANDLER: 'handler',
  /** The message through the redaction policy. */
  PAYLOAD: 'payload',
} as const;

/**
 * Mechanism of the captured exceptions. `handled: false`: the failure escaped its handler —
 * the EventBus swallows it for events and sagas, the caller gets it for commands and queries.
 */
export const SENTRY_MECHANISM = Object.freeze({
  type: 'auto.function.nestjs.cqrs',
  handled: false,
});

/** The package the signal reports through. */
export const SENTRY_PACKAGE = '@sentry/nestjs';

/** Source names of failures given to the failure reporter. */
export const SentryFailureSources = {
  CAPTURE: 'CQRS Sentry capture',
  SHOULD_CAPTURE: 'sentry.shouldCapture',
  DELIVERY: 'Sentry transport',
} as const;
