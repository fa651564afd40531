/** DI tokens internal to the module. Never exported from the package. */
export const RESOLVED_OPTIONS = Symbol('cqrs-observability.resolved-options');
export const FAILURE_REPORTER = Symbol('cqrs-observability.failure-reporter');

/**
 * On the attributes of a `message_registry.register` notice: the registered message class (the
 * notice names it by string), so a signal can follow that class's telemetry policy.
 */
export const MESSAGE_CLASS = Symbol('cqrs-observability.message-class');
