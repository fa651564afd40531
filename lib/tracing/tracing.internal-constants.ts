/** Internal to the tracing signal. Never exported from the package. */

/** DI token of the application's resolved `SpanFactory`. */
export const SPAN_FACTORY = Symbol('cqrs-observability.span-factory');

/**
 * Fast path of the built-in attribute providers: they write straight into the span instead of
 * returning an object to merge.
 */
export const WRITE_ATTRIBUTES = Symbol('cqrs-observability.write-attributes');
