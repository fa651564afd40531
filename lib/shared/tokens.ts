/** DI tokens internal to the module. Never exported from the package. */
export const RESOLVED_OPTIONS = Symbol('cqrs-observability.resolved-options');
export const FAILURE_REPORTER = Symbol('cqrs-observability.failure-reporter');
