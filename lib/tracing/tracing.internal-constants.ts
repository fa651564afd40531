/** Internal to the tracing signal. Never exported from the package. */

/** DI token of the application's resolved `SpanFactory`. */
export const SPAN_FACTORY = Symbol('cqrs-observability.span-factory');

/**
 * Key on an operation's attributes object (never on the message) holding the `CqrsSpan` the
 * tracing interceptor made for it: the payload interceptor writes to that span, and the
 * generic framework hook skips operations that already have one.
 */
export const OPERATION_SPAN = Symbol('cqrs-observability.operation-span');

/**
 * Fast path of the built-in attribute providers: they write straight into the span instead of
 * returning an object to merge.
 */
export const WRITE_ATTRIBUTES = Symbol('cqrs-observability.write-attributes');
