import { context, propagation, trace, type SpanContext } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import {
  InMemorySpanExporter,
  NodeTracerProvider,
  SamplingDecision,
  SimpleSpanProcessor,
  type ReadableSpan,
  type Sampler,
  type SpanProcessor,
} from '@opentelemetry/sdk-trace-node';

export interface TracingSdk {
  readonly exporter: InMemorySpanExporter;
  readonly provider: NodeTracerProvider;
  shutdown(): Promise<void>;
}

/**
 * One real SDK per test file, registered globally (the global tracer provider can be set once
 * per process): AsyncLocalStorage context manager, W3C trace context, an in-memory exporter.
 */
export function startTracingSdk(
  options: { sampler?: Sampler; spanProcessors?: SpanProcessor[] } = {},
): TracingSdk {
  const exporter = new InMemorySpanExporter();
  const provider = new NodeTracerProvider({
    sampler: options.sampler,
    spanProcessors: [new SimpleSpanProcessor(exporter), ...(options.spanProcessors ?? [])],
  });
  provider.register({ propagator: new W3CTraceContextPropagator() });
  return {
    exporter,
    provider,
    async shutdown() {
      await provider.shutdown();
      trace.disable();
      context.disable();
      propagation.disable();
    },
  };
}

/** The one finished span with this name (fails the test when there are none or several). */
export function spanNamed(spans: readonly ReadableSpan[], name: string): ReadableSpan {
  const found = spans.filter((span) => span.name === name);
  if (found.length !== 1) {
    throw new Error(
      `expected one span "${name}", found ${found.length} among: ${spans.map((s) => s.name).join(', ')}`,
    );
  }
  return found[0]!;
}

export function idOf(span: ReadableSpan): SpanContext {
  return span.spanContext();
}

/** Whether `child`'s parent is `parent`, in the same trace. */
export function isChildOf(child: ReadableSpan, parent: ReadableSpan): boolean {
  return (
    child.spanContext().traceId === parent.spanContext().traceId &&
    child.parentSpanContext?.spanId === parent.spanContext().spanId
  );
}

/**
 * The guard of every "no span was recorded" assertion: the SDK does record a span started
 * through the global API, so an empty exporter means our code made none.
 */
export function expectSdkRecords(sdk: TracingSdk): void {
  const before = sdk.exporter.getFinishedSpans().length;
  trace.getTracer('test-guard').startSpan('guard').end();
  expect(sdk.exporter.getFinishedSpans()).toHaveLength(before + 1);
}

/** A sampler that drops everything and counts what it was asked: the guard of a sampled-out run. */
export class CountingDropSampler implements Sampler {
  asked: string[] = [];
  shouldSample(
    _context: unknown,
    _traceId: string,
    spanName: string,
  ): { decision: SamplingDecision } {
    this.asked.push(spanName);
    return { decision: SamplingDecision.NOT_RECORD };
  }
  toString(): string {
    return 'CountingDropSampler';
  }
}
