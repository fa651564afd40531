import { CommandBus, EventBus, QueryBus } from '@nestjs/cqrs';
import type { TestingModule } from '@nestjs/testing';
import { SpanKind } from '@opentelemetry/api';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-node';
import {
  LoggingSpanFactory,
  SEMCONV_STABILITY_OPT_IN_ENV,
  trackFlow,
  type TracingOptions,
} from '../../lib';
import { semanticConventionsFromEnv } from '../../lib/tracing/semantic-conventions';
import { resolveTracingOptions } from '../../lib/tracing/tracing.options';
import {
  FailingEvent,
  GetOrderQuery,
  PlaceOrderCommand,
  Recorder,
} from '../fixtures/orders.fixture';
import { createTestApp } from '../utils/create-app';
import { isChildOf, spanNamed, startTracingSdk, type TracingSdk } from './tracing-sdk';

let sdk: TracingSdk;
beforeAll(() => {
  sdk = startTracingSdk();
});
afterAll(async () => {
  await sdk.shutdown();
});
beforeEach(() => sdk.exporter.reset());

async function appWith(tracing: TracingOptions): Promise<TestingModule> {
  return createTestApp({
    observability: { metrics: false, logging: false, sentry: false, tracing },
  });
}

async function placeOrder(app: TestingModule): Promise<readonly ReadableSpan[]> {
  await trackFlow(app, () =>
    app.get(CommandBus).execute(new PlaceOrderCommand({ sku: 'S-1', quantity: 1 })),
  );
  return sdk.exporter.getFinishedSpans();
}

function linksTo(span: ReadableSpan, target: ReadableSpan): boolean {
  return span.links.some(
    (link) =>
      link.context.traceId === target.spanContext().traceId &&
      link.context.spanId === target.spanContext().spanId,
  );
}

describe("tracing.semanticConventions: 'messaging'", () => {
  let app: TestingModule;
  beforeAll(async () => {
    app = await appWith({ semanticConventions: 'messaging' });
  });
  afterAll(() => app.close());

  it('names spans {operation} {destination}, with CONSUMER processing and a PRODUCER publish', async () => {
    const spans = await placeOrder(app);
    expect(spans.map((span) => span.name).sort()).toEqual(
      [
        'process PlaceOrderCommand',
        'send OrderPlacedEvent',
        // The handler and the saga step both process the event; the saga's command follows.
        'process OrderPlacedEvent',
        'process OrderPlacedEvent',
        'process ReserveStockCommand',
      ].sort(),
    );
    const command = spanNamed(spans, 'process PlaceOrderCommand');
    const publish = spanNamed(spans, 'send OrderPlacedEvent');
    expect(command.kind).toBe(SpanKind.CONSUMER);
    expect(publish.kind).toBe(SpanKind.PRODUCER);
    expect(isChildOf(publish, command)).toBe(true);
    expect(command.attributes).toMatchObject({
      'messaging.system': 'nestjs-cqrs',
      'messaging.operation.name': 'process',
      'messaging.operation.type': 'process',
      'messaging.destination.name': 'PlaceOrderCommand',
      'messaging.destination.subscription.name': 'PlaceOrderHandler',
      'cqrs.kind': 'command',
      'cqrs.outcome': 'success',
    });
    expect(publish.attributes).toMatchObject({
      'messaging.operation.name': 'send',
      'messaging.operation.type': 'send',
      'messaging.destination.name': 'OrderPlacedEvent',
    });
    // Semantic-convention names only: the cqrs.* keys they replace are gone.
    for (const span of [command, publish]) {
      expect(span.attributes).not.toHaveProperty('cqrs.command_type');
      expect(span.attributes).not.toHaveProperty('cqrs.handler');
    }
  });

  it('makes each processing span of an event a child of the publish span and links it there too', async () => {
    const spans = await placeOrder(app);
    const publish = spanNamed(spans, 'send OrderPlacedEvent');
    const processing = spans.filter((span) => span.name === 'process OrderPlacedEvent');
    expect(
      processing.map((span) => span.attributes['messaging.destination.subscription.name']).sort(),
    ).toEqual(['OrderSaga', 'SendConfirmationHandler']);
    for (const span of processing) {
      expect(span.kind).toBe(SpanKind.CONSUMER);
      expect(isChildOf(span, publish)).toBe(true);
      expect(linksTo(span, publish)).toBe(true);
      expect(span.attributes['messaging.destination.name']).toBe('OrderPlacedEvent');
    }
    const sagaStep = processing.find(
      (span) => span.attributes['messaging.destination.subscription.name'] === 'OrderSaga',
    )!;
    expect(isChildOf(spanNamed(spans, 'process ReserveStockCommand'), sagaStep)).toBe(true);
    // The command span has no creation context to link to.
    expect(spanNamed(spans, 'process PlaceOrderCommand').links).toEqual([]);
  });

  it('keeps errors on the renamed spans and queries on the read tracer', async () => {
    await trackFlow(app, async () => {
      app.get(EventBus).publish(new FailingEvent());
      await app.get(QueryBus).execute(new GetOrderQuery({ sku: 'Q' }));
    });
    const spans = sdk.exporter.getFinishedSpans();
    const failed = spanNamed(spans, 'process FailingEvent');
    expect(failed.attributes['error.type']).toBe('Error');
    expect(failed.attributes['cqrs.outcome']).toBe('error');
    expect(failed.status.code).toBe(2);
    const query = spanNamed(spans, 'process GetOrderQuery');
    expect(query.instrumentationScope.name).toBe('cqrs.read');
    expect(app.get(Recorder).calls).toContain('FailingEventHandler');
  });
});

describe("tracing.semanticConventions: 'messaging/dup'", () => {
  let app: TestingModule;
  beforeAll(async () => {
    app = await appWith({ semanticConventions: 'messaging/dup' });
  });
  afterAll(() => app.close());

  it('uses the conventions’ names and kinds and keeps both attribute sets', async () => {
    const spans = await placeOrder(app);
    const command = spanNamed(spans, 'process PlaceOrderCommand');
    expect(command.kind).toBe(SpanKind.CONSUMER);
    expect(command.attributes).toMatchObject({
      'messaging.operation.name': 'process',
      'messaging.destination.name': 'PlaceOrderCommand',
      'messaging.destination.subscription.name': 'PlaceOrderHandler',
      'cqrs.command_type': 'PlaceOrderCommand',
      'cqrs.handler': 'PlaceOrderHandler',
    });
    expect(spanNamed(spans, 'send OrderPlacedEvent').attributes['cqrs.command_type']).toBe(
      'OrderPlacedEvent',
    );
  });
});

describe("tracing.semanticConventions: 'messaging' with eventHandlerTrace 'link'", () => {
  let app: TestingModule;
  beforeAll(async () => {
    app = await appWith({ semanticConventions: 'messaging', eventHandlerTrace: 'link' });
  });
  afterAll(() => app.close());

  it('roots the handler span in its own trace with exactly one link to the publish span', async () => {
    const spans = await placeOrder(app);
    const publish = spanNamed(spans, 'send OrderPlacedEvent');
    const handler = spans.find(
      (span) =>
        span.attributes['messaging.destination.subscription.name'] === 'SendConfirmationHandler',
    )!;
    expect(handler.name).toBe('process OrderPlacedEvent');
    expect(handler.parentSpanContext).toBeUndefined();
    expect(handler.links).toHaveLength(1);
    expect(linksTo(handler, publish)).toBe(true);
  });
});

describe("tracing.semanticConventions: 'messaging' around the app's own SpanFactory", () => {
  const lines: string[] = [];
  let app: TestingModule;
  beforeAll(async () => {
    app = await appWith({
      semanticConventions: 'messaging',
      spanFactory: new LoggingSpanFactory({ logger: { log: (line: string) => lines.push(line) } }),
    });
  });
  afterAll(() => app.close());

  it('renames and re-kinds the spans the configured factory writes', async () => {
    await placeOrder(app);
    expect(lines.some((line) => /^process PlaceOrderCommand .* kind=consumer /.test(line))).toBe(
      true,
    );
    expect(lines.some((line) => /^send OrderPlacedEvent .* kind=producer /.test(line))).toBe(true);
    expect(lines.some((line) => line.startsWith('cqrs.'))).toBe(false);
  });
});

describe('tracing.semanticConventions default', () => {
  let app: TestingModule;
  beforeAll(async () => {
    app = await appWith({});
  });
  afterAll(() => app.close());

  it("keeps today's names, kinds and attributes", async () => {
    const spans = await placeOrder(app);
    const command = spanNamed(spans, 'cqrs.PlaceOrderCommand');
    expect(command.kind).toBe(SpanKind.INTERNAL);
    expect(command.attributes['cqrs.command_type']).toBe('PlaceOrderCommand');
    expect(command.attributes).not.toHaveProperty('messaging.operation.name');
    const handler = spanNamed(spans, 'event.handler.OrderPlacedEvent.SendConfirmationHandler');
    expect(handler.links).toEqual([]);
    expect(spanNamed(spans, 'saga.run.OrderSaga').kind).toBe(SpanKind.INTERNAL);
  });
});

describe('OTEL_SEMCONV_STABILITY_OPT_IN=messaging/dup through forRoot()', () => {
  const saved = process.env[SEMCONV_STABILITY_OPT_IN_ENV];
  let app: TestingModule;
  beforeAll(async () => {
    process.env[SEMCONV_STABILITY_OPT_IN_ENV] = 'http,messaging/dup';
    app = await createTestApp({ observability: { metrics: false, logging: false, sentry: false } });
  });
  afterAll(async () => {
    if (saved === undefined) delete process.env[SEMCONV_STABILITY_OPT_IN_ENV];
    else process.env[SEMCONV_STABILITY_OPT_IN_ENV] = saved;
    await app.close();
  });

  it('emits the conventions’ names with both attribute sets, no option needed', async () => {
    const spans = await placeOrder(app);
    const publish = spanNamed(spans, 'send OrderPlacedEvent');
    expect(publish.attributes['messaging.operation.name']).toBe('send');
    expect(publish.attributes['cqrs.command_type']).toBe('OrderPlacedEvent');
    expect(spans.some((span) => span.name.startsWith('cqrs.'))).toBe(false);
  });
});

describe('OTEL_SEMCONV_STABILITY_OPT_IN', () => {
  const env = (value: string | undefined) => ({ [SEMCONV_STABILITY_OPT_IN_ENV]: value });

  it.each([
    [undefined, 'cqrs'],
    ['', 'cqrs'],
    ['http', 'cqrs'],
    ['messaging', 'messaging'],
    ['http, messaging', 'messaging'],
    ['messaging/dup', 'messaging/dup'],
    // The conventions: messaging/dup wins over messaging.
    ['messaging,messaging/dup', 'messaging/dup'],
    ['database/dup, messaging/dup ,http', 'messaging/dup'],
  ])('%j gives %s', (value, mode) => {
    expect(semanticConventionsFromEnv(env(value))).toBe(mode);
  });

  describe('read when the options resolve', () => {
    const saved = process.env[SEMCONV_STABILITY_OPT_IN_ENV];
    afterEach(() => {
      if (saved === undefined) delete process.env[SEMCONV_STABILITY_OPT_IN_ENV];
      else process.env[SEMCONV_STABILITY_OPT_IN_ENV] = saved;
    });

    it('sets the default, and the explicit option wins over it', () => {
      process.env[SEMCONV_STABILITY_OPT_IN_ENV] = 'messaging';
      expect(resolveTracingOptions(undefined)).toMatchObject({ semanticConventions: 'messaging' });
      expect(resolveTracingOptions({ semanticConventions: 'cqrs' })).toMatchObject({
        semanticConventions: 'cqrs',
      });
      delete process.env[SEMCONV_STABILITY_OPT_IN_ENV];
      expect(resolveTracingOptions(undefined)).toMatchObject({ semanticConventions: 'cqrs' });
    });

    it('names the option when its value is unknown', () => {
      expect(() => resolveTracingOptions({ semanticConventions: 'otel' })).toThrow(
        'Invalid CqrsObservabilityModule option "tracing.semanticConventions"',
      );
    });
  });
});
