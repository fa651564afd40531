import { CommandBus, EventBus, EventsHandler, type IEventHandler } from '@nestjs/cqrs';
import type { TestingModule } from '@nestjs/testing';
import { SpanKind } from '@opentelemetry/api';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-node';
import {
  BaseEvent,
  EventHandlerTrace,
  InvalidObservabilityOptionError,
  type TracingOptions,
  trackFlow,
} from '../../lib';
import { declaredTelemetryPolicy } from '../../lib/hooks/cqrs-telemetry.decorator';
import { resolveTracingOptions } from '../../lib/tracing/tracing.options';
import { FailingEvent, PlaceOrderCommand, ReserveStockCommand } from '../fixtures/orders.fixture';
import { createTestApp } from '../utils/create-app';
import { isChildOf, spanNamed, startTracingSdk, type TracingSdk } from './tracing-sdk';

@EventHandlerTrace('link')
class ReportRequestedEvent extends BaseEvent {}

class MonthlyReportRequestedEvent extends ReportRequestedEvent {}

class QuarterlyReportRequestedEvent extends ReportRequestedEvent {}

@EventHandlerTrace('child')
class AuditedEvent extends BaseEvent {}

/** Handles several events and dispatches a command, to show what nests under a handler span. */
@EventsHandler(
  ReportRequestedEvent,
  MonthlyReportRequestedEvent,
  QuarterlyReportRequestedEvent,
  AuditedEvent,
)
class ReportHandler implements IEventHandler<BaseEvent> {
  constructor(private readonly commandBus: CommandBus) {}
  async handle(): Promise<void> {
    await this.commandBus.execute(new ReserveStockCommand({ sku: 'report' }));
  }
}

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
    providers: [ReportHandler],
  });
}

function expectLinked(handler: ReadableSpan, dispatch: ReadableSpan): void {
  expect(handler.parentSpanContext).toBeUndefined();
  expect(handler.spanContext().traceId).not.toBe(dispatch.spanContext().traceId);
  expect(handler.links).toHaveLength(1);
  expect(handler.links[0]!.context.traceId).toBe(dispatch.spanContext().traceId);
  expect(handler.links[0]!.context.spanId).toBe(dispatch.spanContext().spanId);
  expect(handler.kind).toBe(SpanKind.CONSUMER);
}

function expectChild(handler: ReadableSpan, dispatch: ReadableSpan): void {
  expect(isChildOf(handler, dispatch)).toBe(true);
  expect(handler.links).toHaveLength(0);
}

describe("tracing: eventHandlerTrace 'link'", () => {
  let app: TestingModule;
  beforeAll(async () => {
    app = await appWith({ eventHandlerTrace: 'link' });
  });
  afterAll(() => app.close());

  it('roots each handler span in a new trace linked to the publish span; the saga stays in the trace', async () => {
    await trackFlow(app, () =>
      app.get(CommandBus).execute(new PlaceOrderCommand({ sku: 'S', quantity: 1 })),
    );
    const spans = sdk.exporter.getFinishedSpans();
    const command = spanNamed(spans, 'cqrs.PlaceOrderCommand');
    const dispatch = spanNamed(spans, 'event.dispatch.OrderPlacedEvent');
    const handler = spanNamed(spans, 'event.handler.OrderPlacedEvent.SendConfirmationHandler');
    expect(isChildOf(dispatch, command)).toBe(true);
    expectLinked(handler, dispatch);
    expect(isChildOf(spanNamed(spans, 'saga.run.OrderSaga'), dispatch)).toBe(true);
  });

  it("nests what a linked handler dispatches in the handler's own trace", async () => {
    await trackFlow(app, () => {
      app.get(EventBus).publish(new AuditedEvent());
      app.get(EventBus).publish(new MonthlyReportRequestedEvent());
    });
    const spans = sdk.exporter.getFinishedSpans();
    // @EventHandlerTrace('child') on AuditedEvent wins over the global 'link'.
    expectChild(
      spanNamed(spans, 'event.handler.AuditedEvent.ReportHandler'),
      spanNamed(spans, 'event.dispatch.AuditedEvent'),
    );
    const monthly = spanNamed(spans, 'event.handler.MonthlyReportRequestedEvent.ReportHandler');
    expectLinked(monthly, spanNamed(spans, 'event.dispatch.MonthlyReportRequestedEvent'));
    const commands = spans.filter((s) => s.name === 'cqrs.ReserveStockCommand');
    expect(commands).toHaveLength(2);
    expect(commands.some((c) => isChildOf(c, monthly))).toBe(true);
  });
});

describe("tracing: eventHandlerTrace 'child' (default) with per-event overrides", () => {
  let app: TestingModule;
  beforeAll(async () => {
    app = await appWith({
      eventHandlerTraceByEvent: { OrderPlacedEvent: 'link', MonthlyReportRequestedEvent: 'child' },
    });
  });
  afterAll(() => app.close());

  it('links the events named in eventHandlerTraceByEvent and keeps the others as children', async () => {
    await trackFlow(app, async () => {
      await app.get(CommandBus).execute(new PlaceOrderCommand({ sku: 'S', quantity: 1 }));
      app.get(EventBus).publish(new FailingEvent());
    });
    const spans = sdk.exporter.getFinishedSpans();
    expectLinked(
      spanNamed(spans, 'event.handler.OrderPlacedEvent.SendConfirmationHandler'),
      spanNamed(spans, 'event.dispatch.OrderPlacedEvent'),
    );
    expectChild(
      spanNamed(spans, 'event.handler.FailingEvent.FailingEventHandler'),
      spanNamed(spans, 'event.dispatch.FailingEvent'),
    );
  });

  it('lets @EventHandlerTrace() override the global default, inherited by subclasses', async () => {
    await trackFlow(app, () => {
      app.get(EventBus).publish(new ReportRequestedEvent());
      app.get(EventBus).publish(new QuarterlyReportRequestedEvent());
    });
    const spans = sdk.exporter.getFinishedSpans();
    expectLinked(
      spanNamed(spans, 'event.handler.ReportRequestedEvent.ReportHandler'),
      spanNamed(spans, 'event.dispatch.ReportRequestedEvent'),
    );
    expectLinked(
      spanNamed(spans, 'event.handler.QuarterlyReportRequestedEvent.ReportHandler'),
      spanNamed(spans, 'event.dispatch.QuarterlyReportRequestedEvent'),
    );
  });

  it('lets the option map win over the decorator', async () => {
    // MonthlyReportRequestedEvent inherits 'link' from its base class; the map says 'child'.
    expect(declaredTelemetryPolicy(MonthlyReportRequestedEvent)?.trace).toBe('link');
    await trackFlow(app, () => app.get(EventBus).publish(new MonthlyReportRequestedEvent()));
    const spans = sdk.exporter.getFinishedSpans();
    expectChild(
      spanNamed(spans, 'event.handler.MonthlyReportRequestedEvent.ReportHandler'),
      spanNamed(spans, 'event.dispatch.MonthlyReportRequestedEvent'),
    );
  });

  it('keeps the event object free of tracing properties', async () => {
    const event = new ReportRequestedEvent();
    const keys = Reflect.ownKeys(event);
    await trackFlow(app, () => app.get(EventBus).publish(event));
    // @nestjs/cqrs may attach its own AsyncContext symbol; nothing else is added.
    expect(
      Reflect.ownKeys(event).filter((k) => !keys.includes(k) && typeof k === 'string'),
    ).toEqual([]);
    expect(
      Reflect.ownKeys(event).filter(
        (k) => typeof k === 'symbol' && String(k).includes('cqrs-observability'),
      ),
    ).toEqual([]);
  });
});

describe('tracing: trace shape options and decorator validation', () => {
  it('rejects an unknown shape, naming the option path', () => {
    expect(() => resolveTracingOptions({ eventHandlerTrace: 'sibling' })).toThrow(
      InvalidObservabilityOptionError,
    );
    expect(() =>
      resolveTracingOptions({ eventHandlerTraceByEvent: { OrderPlacedEvent: 'nope' } }),
    ).toThrow(/tracing\.eventHandlerTraceByEvent\.OrderPlacedEvent/);
  });

  it('rejects a decorator argument other than child or link', () => {
    expect(() => EventHandlerTrace('root' as never)).toThrow(TypeError);
  });

  it('answers undefined for undecorated classes and non-classes', () => {
    expect(declaredTelemetryPolicy(FailingEvent)?.trace).toBeUndefined();
    expect(declaredTelemetryPolicy(undefined)?.trace).toBeUndefined();
    expect(declaredTelemetryPolicy(AuditedEvent)?.trace).toBe('child');
  });
});
