import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';
import { Writable } from 'node:stream';
import { context, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import {
  AlwaysOffSampler,
  BasicTracerProvider,
  type SpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { ClsServiceManager } from 'nestjs-cls';
import { LoggerModule } from 'nestjs-pino';
import pino from 'pino';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { AppSpec, OrderCommand } from './bench-app';

/** Spans are created and recorded as with any SDK; the processor drops them, so export cost is out. */
const DROP_ALL: SpanProcessor = {
  onStart: () => undefined,
  onEnd: () => undefined,
  forceFlush: () => Promise.resolve(),
  shutdown: () => Promise.resolve(),
};

/** With `neverSample`, every span is a non-recording one, as in an app sampling a share of traffic. */
export function installTracerProvider({ neverSample = false } = {}): void {
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  trace.setGlobalTracerProvider(
    new BasicTracerProvider({
      spanProcessors: [DROP_ALL],
      ...(neverSample ? { sampler: new AlwaysOffSampler() } : {}),
    }),
  );
}

function nullStream(): Writable {
  return new Writable({
    write(_chunk, _encoding, callback) {
      callback();
    },
  });
}

const BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10];

/** The module with tracing (and its payload event), metrics and logging on. */
export function fullPipelineSpec(name: string): AppSpec {
  return {
    name,
    observability: {
      validation: false,
      sentry: false,
      metrics: { registry: new Registry() },
      logging: { slowThresholdMs: 60_000 },
    },
    imports: [LoggerModule.forRoot({ pinoHttp: [{ level: 'info' }, nullStream()] })],
  };
}

/**
 * The same signals written by hand inside the handler, the way a team does it without the
 * module: the correlation id of the flow and a per-dispatch nestjs-cls context holding the
 * handled message's id (what causation ids of nested dispatches need), a span with the same
 * attributes and a redacted payload event, the histogram, counter and in-flight gauge, one
 * log line with the ids and trace ids.
 */
export function handWrittenSpec(name: string): AppSpec {
  const registry = new Registry();
  const labels = ['kind', 'message_type', 'outcome'];
  const duration = new Histogram({
    name: 'hand_duration_seconds',
    help: 'h',
    labelNames: labels,
    buckets: BUCKETS,
    registers: [registry],
  });
  const total = new Counter({
    name: 'hand_total',
    help: 'h',
    labelNames: labels,
    registers: [registry],
  });
  const inFlight = new Gauge({
    name: 'hand_in_flight',
    help: 'h',
    labelNames: ['kind'],
    registers: [registry],
  });
  const logger = pino({ level: 'info' }, nullStream());
  const tracer = trace.getTracer('bench.hand-written');
  return {
    name,
    inline: (command: OrderCommand, handlerName: string, handler: () => Promise<unknown>) => {
      const cls = ClsServiceManager.getClsService();
      const parent = cls.get() as Record<string, string | undefined> | undefined;
      const messageId = randomUUID();
      const correlationId = parent?.correlationId ?? randomUUID();
      const type = command.constructor.name;
      const store = { ...parent, correlationId, causationId: parent?.messageId, messageId };
      return cls.runWith(store, () =>
        tracer.startActiveSpan(
          `cqrs.${type}`,
          {
            kind: SpanKind.INTERNAL,
            attributes: {
              'cqrs.kind': 'command',
              'cqrs.command_type': type,
              'cqrs.message_id': messageId,
              'cqrs.correlation_id': correlationId,
              'cqrs.handler': handlerName,
              'messaging.system': 'nestjs-cqrs',
              'messaging.operation.type': 'process',
              'messaging.destination.name': type,
              'messaging.message.id': messageId,
              'messaging.message.conversation_id': correlationId,
            },
          },
          async (span) => {
            const payload = JSON.stringify({ ...command, email: '***' });
            span.setAttributes({
              'cqrs.payload_present': true,
              'cqrs.payload_truncated': false,
              'cqrs.payload_size': payload.length,
            });
            span.addEvent('cqrs.command_payload', { payload });
            inFlight.labels('command').inc();
            const start = performance.now();
            let outcome = 'success';
            try {
              return await handler();
            } catch (error) {
              outcome = 'error';
              span.recordException(error as Error);
              span.setStatus({ code: SpanStatusCode.ERROR });
              throw error;
            } finally {
              const ms = performance.now() - start;
              span.setAttribute('cqrs.outcome', outcome);
              duration.labels('command', type, outcome).observe(ms / 1000);
              total.labels('command', type, outcome).inc();
              inFlight.labels('command').dec();
              const ids = span.spanContext();
              logger.info(
                {
                  kind: 'command',
                  message_type: type,
                  outcome,
                  duration_ms: Math.round(ms * 100) / 100,
                  correlation_id: correlationId,
                  message_id: messageId,
                  handler: handlerName,
                  trace_id: ids.traceId,
                  span_id: ids.spanId,
                },
                `command ${type} succeeded in ${ms.toFixed(2)}ms`,
              );
              span.end();
            }
          },
        ),
      );
    },
  };
}

/**
 * What the module's correlation does, written by hand around each handler: a nestjs-cls
 * context holding the flow's id (new at the top of a flow) and the handled message's id.
 */
export function handWrittenContextSpec(name: string): AppSpec {
  return {
    name,
    inline: (command, _handler, body) => {
      const cls = ClsServiceManager.getClsService();
      const parent = cls.get() as Record<string, string | undefined> | undefined;
      const messageId = (command as { requestId?: string }).requestId ?? randomUUID();
      const correlationId = parent?.correlationId ?? randomUUID();
      const store = { ...parent, correlationId, causationId: parent?.messageId, messageId };
      return cls.runWith(store, body);
    },
  };
}

/**
 * One no-op hook written by hand around each handler: what it gets (the operation's name and
 * attributes, a `next` that runs the rest once), without a registry deciding which operation
 * it watches.
 */
export function handWrittenHookSpec(name: string): AppSpec {
  const hook = (
    _operation: string,
    _attributes: Record<string, unknown>,
    next: () => Promise<unknown>,
  ): Promise<unknown> => next();
  return {
    name,
    inline: (command, handler, body) => {
      const type = command.constructor.name;
      const message = command as { requestId?: string; correlationId?: string };
      let called = false;
      return hook(
        'command.execute',
        {
          kind: 'command',
          message_type: type,
          message: command,
          message_id: message.requestId,
          correlation_id: message.correlationId,
          causation_id: undefined,
          handler,
          'command.type': type,
        },
        () => {
          if (called) return Promise.reject(new Error('next() called twice'));
          called = true;
          return body();
        },
      );
    },
  };
}

/** A span around each handler, active while it runs, written as a team writes it. */
export function handWrittenSpanSpec(name: string): AppSpec {
  const tracer = trace.getTracer('bench.hand-written');
  return {
    name,
    inline: (command, handlerName, body) =>
      tracer.startActiveSpan(
        `cqrs.${command.constructor.name}`,
        {
          kind: SpanKind.INTERNAL,
          attributes: { 'cqrs.kind': 'command', 'cqrs.handler': handlerName },
        },
        async (span) => {
          try {
            return await body();
          } finally {
            span.end();
          }
        },
      ),
  };
}

/**
 * One `AsyncLocalStorage.run` around each handler, its store holding the message's id: the
 * least any per-dispatch context costs, whichever library enters it (nestjs-cls's `runWith` and
 * OpenTelemetry's `context.with` are this call).
 */
export function contextFloorSpec(name: string): AppSpec {
  const storage = new AsyncLocalStorage<{ readonly messageId: unknown }>();
  return {
    name,
    inline: (command, _handler, body) =>
      storage.run({ messageId: (command as { requestId?: string }).requestId }, body),
  };
}

/**
 * One span started and ended beside each handler, never made active: what creating a span
 * costs by itself (with a sampler that never samples, the SDK's sampling decision and ids).
 */
export function spanFloorSpec(name: string): AppSpec {
  const tracer = trace.getTracer('bench.span-floor');
  return {
    name,
    inline: (command, _handler, body) => {
      tracer.startSpan(`cqrs.${command.constructor.name}`, { kind: SpanKind.INTERNAL }).end();
      return body();
    },
  };
}
