import { ExportResult, ExportResultCode } from '@opentelemetry/core';
import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace-base';

/**
 * Attributes that carry the flow's correlation id: on CQRS spans, on framework-hook spans, and
 * the echoed response header on HTTP server spans.
 */
const CORRELATION_ATTRIBUTES = [
  'cqrs.correlation_id',
  'correlation_id',
  'http.response.header.x-correlation-id',
  'messaging.message.conversation_id',
];

const SPAN_KINDS = ['INTERNAL', 'SERVER', 'CLIENT', 'PRODUCER', 'CONSUMER'];
const STATUS_CODES = ['UNSET', 'OK', 'ERROR'];

/**
 * Prints one line per finished span, so a newcomer without Jaeger can still see the trace tree
 * (`parent=` links each span to its parent) in the terminal. The SDK's `ConsoleSpanExporter`
 * dumps a multi-line object per span, which buries the application's own log lines.
 */
export class CompactConsoleSpanExporter implements SpanExporter {
  constructor(private readonly write: (line: string) => void = defaultWrite) {}

  export(spans: ReadableSpan[], resultCallback: (result: ExportResult) => void): void {
    try {
      for (const span of spans) this.write(formatSpan(span));
      resultCallback({ code: ExportResultCode.SUCCESS });
    } catch (error) {
      resultCallback({ code: ExportResultCode.FAILED, error: error as Error });
    }
  }

  shutdown(): Promise<void> {
    return Promise.resolve();
  }

  forceFlush(): Promise<void> {
    return Promise.resolve();
  }
}

/** `span <name> trace=<id> span=<id> parent=<id|-> kind=<kind> status=<code> <ms>ms [correlation=<id>]` */
export function formatSpan(span: ReadableSpan): string {
  const context = span.spanContext();
  const [seconds, nanos] = span.duration;
  const durationMs = (seconds * 1e3 + nanos / 1e6).toFixed(1);
  const parts = [
    'span',
    span.name,
    `trace=${context.traceId}`,
    `span=${context.spanId}`,
    `parent=${span.parentSpanContext?.spanId ?? '-'}`,
    `kind=${SPAN_KINDS[span.kind] ?? span.kind}`,
    `status=${STATUS_CODES[span.status.code] ?? span.status.code}`,
    `${durationMs}ms`,
  ];
  const correlationId = correlationOf(span);
  if (correlationId !== undefined) parts.push(`correlation=${correlationId}`);
  return parts.join(' ');
}

function correlationOf(span: ReadableSpan): string | undefined {
  for (const key of CORRELATION_ATTRIBUTES) {
    const value = span.attributes[key];
    // The HTTP instrumentation records captured headers as string arrays.
    const first = Array.isArray(value) ? value[0] : value;
    if (typeof first === 'string') return first;
  }
  return undefined;
}

function defaultWrite(line: string): void {
  process.stdout.write(`${line}\n`);
}
