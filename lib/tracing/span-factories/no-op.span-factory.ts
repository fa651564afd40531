import { INVALID_SPAN_CONTEXT, type SpanContext } from '@opentelemetry/api';
import type { CqrsSpan } from './cqrs-span.interface';
import type { SpanFactory } from './span-factory.interface';

/** The one span a `NoOpSpanFactory` hands out: shared, it records nothing. */
const NO_OP_SPAN: CqrsSpan = Object.freeze({
  setAttribute(): void {},
  setAttributes(): void {},
  addEvent(): void {},
  recordError(): void {},
  end(): void {},
  runInContext<T>(fn: () => T): T {
    return fn();
  },
  isRecording(): boolean {
    return false;
  },
  spanContext(): SpanContext {
    return INVALID_SPAN_CONTEXT;
  },
});

/** A `SpanFactory` that makes no spans and allocates nothing: tracing wired, nothing recorded. */
export class NoOpSpanFactory implements SpanFactory {
  createRootTrace(): CqrsSpan {
    return NO_OP_SPAN;
  }

  createDispatchSpan(): CqrsSpan {
    return NO_OP_SPAN;
  }

  createHandlerSpan(): CqrsSpan {
    return NO_OP_SPAN;
  }

  createInternalSpan(): CqrsSpan {
    return NO_OP_SPAN;
  }

  registerSpanAttributesProvider(): void {}

  propagateContext<C extends object>(carrier: C): C {
    return carrier;
  }
}
