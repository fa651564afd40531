// The span interface lives in lib/shared/ so that an operation's frame (lib/hooks/) can hold
// the span its tracing made; the tracing room and the public API keep their names.
export type { CqrsSpan, SpanAttributes } from '../../shared/cqrs-span';
