import { ROOT_CONTEXT, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { BasicTracerProvider, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { CompactConsoleSpanExporter } from '../../sample-app/tracing/compact-console.span-exporter';

describe('CompactConsoleSpanExporter (the sample without OTEL_EXPORTER_OTLP_ENDPOINT)', () => {
  const lines: string[] = [];
  const provider = new BasicTracerProvider({
    spanProcessors: [new SimpleSpanProcessor(new CompactConsoleSpanExporter((l) => lines.push(l)))],
  });
  const tracer = provider.getTracer('test');

  afterAll(() => provider.shutdown());

  it('prints one line per span with its ids, its parent, kind, status and correlation id', () => {
    const parent = tracer.startSpan('POST', {
      kind: SpanKind.SERVER,
      attributes: { 'http.response.header.x-correlation-id': ['flow-1'] },
    });
    const child = tracer.startSpan(
      'cqrs.CreateOrderCommand',
      { attributes: { 'cqrs.correlation_id': 'flow-1' } },
      trace.setSpan(ROOT_CONTEXT, parent),
    );
    child.setStatus({ code: SpanStatusCode.ERROR });
    child.end();
    parent.end();

    const { traceId, spanId: parentId } = parent.spanContext();
    const childId = child.spanContext().spanId;
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(
      new RegExp(
        `^span cqrs\\.CreateOrderCommand trace=${traceId} span=${childId} parent=${parentId} kind=INTERNAL status=ERROR \\d+\\.\\dms correlation=flow-1$`,
      ),
    );
    expect(lines[1]).toMatch(
      new RegExp(
        `^span POST trace=${traceId} span=${parentId} parent=- kind=SERVER status=UNSET \\d+\\.\\dms correlation=flow-1$`,
      ),
    );
  });
});
