/** DI tokens internal to the module. Never exported from the package. */
export const RESOLVED_OPTIONS = Symbol('cqrs-observability.resolved-options');
export const FAILURE_REPORTER = Symbol('cqrs-observability.failure-reporter');

/**
 * On the attributes of a `saga.run` operation: the event whose handling made the saga emit
 * the command (when the saga emitted it synchronously), so its span can sit under that
 * event's publish span even when a batch was published from another event's context.
 */
export const SAGA_TRIGGER_EVENT = Symbol('cqrs-observability.saga-trigger-event');

/**
 * On the attributes of a `message_registry.register` notice: the registered message class (the
 * notice names it by string), so a signal can follow that class's telemetry policy.
 */
export const MESSAGE_CLASS = Symbol('cqrs-observability.message-class');
