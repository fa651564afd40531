import { createHash } from 'node:crypto';
import { CommandBus } from '@nestjs/cqrs';
import type { TestingModule } from '@nestjs/testing';
import { context, SpanKind, trace, type SpanContext, TraceFlags } from '@opentelemetry/api';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-node';
import {
  InvalidObservabilityOptionError,
  LoggingSpanFactory,
  MultiSpanFactory,
  NoOpSpanFactory,
  OpenTelemetrySpanFactory,
  TracingAttributes as A,
  type CqrsObservabilityModuleOptions,
  type SpanAttributesProvider,
  type SpanFactory,
} from '../../lib';
import { FAILURE_REPORTER } from '../../lib/shared/tokens';
import type { FailureReporter } from '../../lib/errors/failure-reporter';
import { resolveObservabilityOptions } from '../../lib/options';
import { SPAN_FACTORY } from '../../lib/tracing/tracing.internal-constants';
import { PlaceOrderCommand, Recorder } from '../fixtures/orders.fixture';
import { createTestApp, flush } from '../utils/create-app';
import { COUNTED_RESULT, CountedCommand, CountedCommandHandler } from './counted-command.fixture';
import {
  expectSdkRecords,
  isChildOf,
  spanNamed,
  startTracingSdk,
  type TracingSdk,
} from './tracing-sdk';
import {
  messageIdAttributesProvider,
  messageNameAttributesProvider,
  messageTypeAttributesProvider,
  metadataAttributesProvider,
  metadataWithRequestedByAttributesProvider,
  payloadTypeAttributesProvider,
} from '../../lib/tracing/attribute-providers/built-in-attribute.providers';

let sdk: TracingSdk;
beforeAll(() => {
  sdk = startTracingSdk();
});
afterAll(async () => {
  await sdk.shutdown();
});
beforeEach(() => sdk.exporter.reset());

function appWith(spanFactory: SpanFactory, extra: CqrsObservabilityModuleOptions['tracing'] = {}) {
  return createTestApp({
    observability: {
      metrics: false,
      logging: false,
      sentry: false,
      tracing: { spanFactory, ...(extra as object) },
    },
    providers: [CountedCommandHandler],
  });
}

function lineLogger() {
  const lines: string[] = [];
  return { lines, logger: { log: (line: string) => void lines.push(line) } };
}

describe('LoggingSpanFactory', () => {
  const { lines, logger } = lineLogger();
  // One array per describe: each test reads only its own lines.
  beforeEach(() => {
    lines.length = 0;
  });
  let app: TestingModule;
  beforeAll(async () => {
    app = await appWith(new LoggingSpanFactory({ logger }));
  });
  afterAll(() => app.close());
  beforeEach(() => void lines.splice(0));

  it('writes one line per span when it ends: name, duration, outcome, attributes, payload', async () => {
    const command = new PlaceOrderCommand({ sku: 'SKU-1', quantity: 2 });
    await app.get(CommandBus).execute(command);
    await flush();
    expect(lines).toHaveLength(5);
    const line = lines.find((l) => l.startsWith('cqrs.PlaceOrderCommand '))!;
    expect(line).toMatch(/^cqrs\.PlaceOrderCommand \d+\.\d{2}ms outcome=success kind=internal \{/);
    const attributes = JSON.parse(
      line.slice(line.indexOf('{'), line.indexOf(' events=[')),
    ) as Record<string, unknown>;
    expect(attributes).toMatchObject({
      [A.KIND]: 'command',
      [A.COMMAND_TYPE]: 'PlaceOrderCommand',
      [A.MESSAGE_ID]: command.requestId,
      [A.HANDLER]: 'PlaceOrderHandler',
      [A.OUTCOME]: 'success',
    });
    expect(line).toContain('events=[cqrs.command_payload {"payload":');
    expect(lines.some((l) => /^event\.dispatch\.OrderPlacedEvent .* kind=producer /.test(l))).toBe(
      true,
    );
    // Nothing reaches OpenTelemetry, which does record when asked.
    expect(sdk.exporter.getFinishedSpans()).toEqual([]);
    expectSdkRecords(sdk);
  });

  it('logs the error outcome and type', async () => {
    const recorder = app.get(Recorder);
    await expect(
      app.get(CommandBus).execute(new PlaceOrderCommand({ sku: 'S', quantity: 1, mode: 'reject' })),
    ).rejects.toBe(recorder.asyncError);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/outcome=error/);
    expect(lines[0]).toContain('"error.type":"Error"');
    expect(lines[0]).toContain('exception {"exception.message":"async failure"}');
  });
});

describe('MultiSpanFactory', () => {
  const { lines, logger } = lineLogger();
  // One array per describe: each test reads only its own lines.
  beforeEach(() => {
    lines.length = 0;
  });
  let app: TestingModule;
  beforeAll(async () => {
    app = await appWith(
      new MultiSpanFactory([new OpenTelemetrySpanFactory(), new LoggingSpanFactory({ logger })]),
    );
  });
  afterAll(() => app.close());

  it('fans each span out to every factory and keeps the OpenTelemetry trace intact', async () => {
    await app.get(CommandBus).execute(new PlaceOrderCommand({ sku: 'S', quantity: 1 }));
    await flush();
    const spans = sdk.exporter.getFinishedSpans();
    expect(spans).toHaveLength(5);
    expect(lines).toHaveLength(5);
    expect(
      isChildOf(
        spanNamed(spans, 'cqrs.ReserveStockCommand'),
        spanNamed(spans, 'saga.run.OrderSaga'),
      ),
    ).toBe(true);
    expect(spanNamed(spans, 'cqrs.PlaceOrderCommand').attributes[A.MESSAGE_ID]).toBeDefined();
    expect(lines.find((l) => l.startsWith('cqrs.PlaceOrderCommand'))).toContain(A.MESSAGE_ID);
  });

  it('chains propagateContext through each factory', () => {
    class HeaderFactory extends NoOpSpanFactory {
      override propagateContext<C extends object>(carrier: C): C {
        return Object.assign(carrier, { 'x-tenant': 't-1' });
      }
    }
    const multi = new MultiSpanFactory([new OpenTelemetrySpanFactory(), new HeaderFactory()]);
    const span = trace.getTracer('test').startSpan('outgoing');
    const carrier = context.with(trace.setSpan(context.active(), span), () =>
      multi.propagateContext<Record<string, string>>({}),
    );
    span.end();
    expect(carrier).toEqual({
      traceparent: `00-${span.spanContext().traceId}-${span.spanContext().spanId}-01`,
      'x-tenant': 't-1',
    });
  });

  it('reports the first valid span context and refuses an empty list', () => {
    const multi = new MultiSpanFactory([
      new LoggingSpanFactory({ logger }),
      new OpenTelemetrySpanFactory(),
    ]);
    const span = multi.createInternalSpan('internal');
    expect(span.isRecording()).toBe(true);
    expect(span.spanContext().traceId).toMatch(/^[0-9a-f]{32}$/);
    span.end();
    expect(() => new MultiSpanFactory([])).toThrow(TypeError);
  });
});

describe('NoOpSpanFactory', () => {
  let app: TestingModule;
  beforeAll(async () => {
    app = await appWith(new NoOpSpanFactory());
  });
  afterAll(() => app.close());

  it('records nothing, reads no payload and changes no result', async () => {
    const command = new CountedCommand();
    await expect(app.get(CommandBus).execute(command)).resolves.toBe(COUNTED_RESULT);
    expect(command.reads).toBe(0);
    await expect(
      app.get(CommandBus).execute(new PlaceOrderCommand({ sku: 'S', quantity: 1 })),
    ).resolves.toBe(app.get(Recorder).result);
    expect(app.get(Recorder).calls).toContain('PlaceOrderHandler');
    expect(sdk.exporter.getFinishedSpans()).toEqual([]);
    expectSdkRecords(sdk);
  });
});

describe('SpanAttributesProviders', () => {
  it('can each be switched off', async () => {
    const app = await createTestApp({
      observability: {
        metrics: false,
        logging: false,
        sentry: false,
        tracing: {
          payload: false,
          attributeProviders: {
            messageId: false,
            messageName: false,
            messageType: false,
            payloadType: false,
            metadata: false,
          },
        },
      },
    });
    try {
      await app
        .get(CommandBus)
        .execute(new PlaceOrderCommand({ sku: 'S', quantity: 1, mode: 'no-event' }));
      expect(
        spanNamed(sdk.exporter.getFinishedSpans(), 'cqrs.PlaceOrderCommand').attributes,
      ).toEqual({
        [A.KIND]: 'command',
        [A.MESSAGE_TYPE]: 'PlaceOrderCommand',
        [A.COMMAND_TYPE]: 'PlaceOrderCommand',
        [A.HANDLER]: 'PlaceOrderHandler',
        [A.OUTCOME]: 'success',
        [A.MESSAGING_SYSTEM]: 'nestjs-cqrs',
        [A.MESSAGING_OPERATION_TYPE]: 'process',
        [A.MESSAGING_DESTINATION_NAME]: 'PlaceOrderCommand',
      });
    } finally {
      await app.close();
    }
  });

  it('runs custom providers; one that throws is reported and the dispatch and span go on', async () => {
    const reports: string[] = [];
    const factory = new OpenTelemetrySpanFactory({
      failureReporter: {
        report: (source, error) => reports.push(`${source}: ${(error as Error).message}`),
      },
    });
    const tenant: SpanAttributesProvider = (message, attributes) =>
      attributes.kind === 'command'
        ? { 'app.tenant': 'acme', 'app.skipped': undefined }
        : undefined;
    const broken: SpanAttributesProvider = function brokenProvider() {
      throw new Error('provider bug');
    };
    factory.registerSpanAttributesProvider(broken);
    factory.registerSpanAttributesProvider(tenant);
    factory.registerSpanAttributesProvider(tenant);
    expect(() => factory.registerSpanAttributesProvider('nope' as never)).toThrow(TypeError);
    const app = await appWith(factory);
    try {
      const recorder = app.get(Recorder);
      await expect(
        app.get(CommandBus).execute(new PlaceOrderCommand({ sku: 'S', quantity: 1 })),
      ).resolves.toBe(recorder.result);
      await flush();
      const spans = sdk.exporter.getFinishedSpans();
      expect(spans).toHaveLength(5);
      const command = spanNamed(spans, 'cqrs.PlaceOrderCommand');
      expect(command.attributes['app.tenant']).toBe('acme');
      expect(command.attributes).not.toHaveProperty('app.skipped');
      // The built-ins registered after the broken one still ran.
      expect(command.attributes[A.MESSAGE_ID]).toBeDefined();
      expect(command.attributes[A.OUTCOME]).toBe('success');
      expect(spanNamed(spans, 'event.dispatch.OrderPlacedEvent').attributes).not.toHaveProperty(
        'app.tenant',
      );
      expect(reports.length).toBeGreaterThan(0);
      expect(reports[0]).toBe('SpanAttributesProvider "brokenProvider": provider bug');
    } finally {
      await app.close();
    }
  });

  it("reports a failing provider of the default factory through the module's failure reporter", async () => {
    const app = await createTestApp({
      observability: { metrics: false, logging: false, sentry: false },
    });
    try {
      const reporter = app.get<FailureReporter>(FAILURE_REPORTER);
      const sources: string[] = [];
      jest.spyOn(reporter, 'report').mockImplementation((source) => void sources.push(source));
      app.get<SpanFactory>(SPAN_FACTORY).registerSpanAttributesProvider(function failing() {
        throw new Error('boom');
      });
      const recorder = app.get(Recorder);
      await expect(
        app
          .get(CommandBus)
          .execute(new PlaceOrderCommand({ sku: 'S', quantity: 1, mode: 'reject' })),
      ).rejects.toBe(recorder.asyncError);
      expect(sources).toContain('SpanAttributesProvider "failing"');
      const span = spanNamed(sdk.exporter.getFinishedSpans(), 'cqrs.PlaceOrderCommand');
      expect(span.ended).toBe(true);
      expect(span.attributes[A.OUTCOME]).toBe('error');
    } finally {
      await app.close();
    }
  });

  it('can be called as plain providers by a custom factory', () => {
    const requestedAt = new Date('2026-03-04T05:06:07.000Z');
    const message = { requestedAt, requestedBy: 'u-1' };
    const attributes = {
      kind: 'saga' as const,
      message_type: 'OrderSaga',
      'command.type': 'ReserveStockCommand',
      message_id: 'm-1',
      correlation_id: 'c-1',
      causation_id: 'e-1',
      message,
    };
    expect(messageIdAttributesProvider(message, attributes)).toEqual({
      [A.MESSAGE_ID]: 'm-1',
      [A.MESSAGING_MESSAGE_ID]: 'm-1',
    });
    expect(messageNameAttributesProvider(message, attributes)).toEqual({
      [A.MESSAGE_NAME]: 'ReserveStockCommand',
    });
    expect(messageTypeAttributesProvider(message, attributes)).toEqual({
      [A.MESSAGE_TYPE]: 'ReserveStockCommand',
    });
    expect(payloadTypeAttributesProvider(message, attributes)).toEqual({
      [A.PAYLOAD_TYPE]: 'Object',
    });
    expect(metadataAttributesProvider(message, attributes)).toEqual({
      [A.CORRELATION_ID]: 'c-1',
      [A.MESSAGING_CONVERSATION_ID]: 'c-1',
      [A.CAUSATION_ID]: 'e-1',
      [A.REQUESTED_AT]: '2026-03-04T05:06:07.000Z',
    });
    expect(metadataWithRequestedByAttributesProvider(message, attributes)).toMatchObject({
      // A personal field: hashed, as the redaction policy does by default.
      [A.REQUESTED_BY]: `sha256:${createHash('sha256').update('u-1').digest('hex')}`,
    });
  });
});

describe('OpenTelemetrySpanFactory', () => {
  const factory = new OpenTelemetrySpanFactory();
  const remote: SpanContext = {
    traceId: '0af7651916cd43dd8448eb211c80319c',
    spanId: 'b7ad6b7169203331',
    traceFlags: TraceFlags.SAMPLED,
    isRemote: true,
  };

  it('starts a root trace whatever span is active', () => {
    const outer = trace.getTracer('test').startSpan('outer');
    const root = context.with(trace.setSpan(context.active(), outer), () =>
      factory.createRootTrace('root'),
    );
    root.end();
    outer.end();
    const span = spanNamed(sdk.exporter.getFinishedSpans(), 'root');
    expect(span.parentSpanContext).toBeUndefined();
    expect(span.spanContext().traceId).not.toBe(outer.spanContext().traceId);
  });

  it('places handler spans under a given parent, or as a linked root', () => {
    factory.createHandlerSpan('child', undefined, { isChildTrace: true, parent: remote }).end();
    factory.createHandlerSpan('linked', { a: 1 }, { isChildTrace: false, link: remote }).end();
    factory.createDispatchSpan('dispatch').end();
    const spans = sdk.exporter.getFinishedSpans();
    const child = spanNamed(spans, 'child');
    expect(child.spanContext().traceId).toBe(remote.traceId);
    expect(child.parentSpanContext?.spanId).toBe(remote.spanId);
    expect(child.kind).toBe(SpanKind.CONSUMER);
    const linked = spanNamed(spans, 'linked');
    expect(linked.spanContext().traceId).not.toBe(remote.traceId);
    expect(linked.links.map((l) => l.context.spanId)).toEqual([remote.spanId]);
    expect(linked.attributes).toEqual({ a: 1 });
    expect(spanNamed(spans, 'dispatch').kind).toBe(SpanKind.PRODUCER);
  });

  it('can use a tracer provider of its own instead of the global one', () => {
    const exporter = new InMemorySpanExporter();
    const own = new OpenTelemetrySpanFactory({
      tracerProvider: new BasicTracerProvider({
        spanProcessors: [new SimpleSpanProcessor(exporter)],
      }),
    });
    own.createInternalSpan('private').end();
    expect(exporter.getFinishedSpans().map((s) => s.name)).toEqual(['private']);
    expect(exporter.getFinishedSpans()[0]!.instrumentationScope.name).toBe('cqrs.write');
    expect(sdk.exporter.getFinishedSpans()).toEqual([]);
    expectSdkRecords(sdk);
  });
});

describe('tracing.spanFactory option', () => {
  it('must be a SpanFactory', () => {
    expect(() => resolveObservabilityOptions({ tracing: { spanFactory: {} } })).toThrow(
      InvalidObservabilityOptionError,
    );
    expect(() => resolveObservabilityOptions({ tracing: { spanFactory: {} } })).toThrow(
      /tracing\.spanFactory/,
    );
    expect(() =>
      resolveObservabilityOptions({ tracing: { spanFactory: new NoOpSpanFactory() } }),
    ).not.toThrow();
  });
});
