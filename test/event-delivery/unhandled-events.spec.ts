import { Injectable, OnModuleInit } from '@nestjs/common';
import { EventBus, EventsHandler, IEvent, IEventHandler, ofType, Saga } from '@nestjs/cqrs';
import type { TestingModule } from '@nestjs/testing';
import { LoggerModule } from 'nestjs-pino';
import { Registry } from 'prom-client';
import { delay, map, Observable } from 'rxjs';
import {
  BaseEvent,
  HookRegistry,
  MetricNames,
  OperationNames,
  trackFlow,
  type OperationAttributes,
} from '../../lib';
import { OrderPlacedEvent, ReserveStockCommand } from '../fixtures/orders.fixture';
import { MemoryLogStream, PinoLevel } from '../logging/memory-log-stream';
import { METRICS_ONLY } from '../metrics/metrics-app';
import { samplesOf, valueOf } from '../metrics/prometheus-text';
import { createTestApp } from '../utils/create-app';
import { EVERY_SIGNAL_OFF } from '../utils/every-signal-off';

class NobodyCaresEvent extends BaseEvent<{ note: string }> {}
class HandlerOnlyEvent extends BaseEvent {}
class SagaOnlyEvent extends BaseEvent<{ sku: string }> {}
class HeldBySagaEvent extends BaseEvent<{ sku: string }> {}

@EventsHandler(HandlerOnlyEvent)
class HandlerOnlyHandler implements IEventHandler<HandlerOnlyEvent> {
  handle(): void {}
}

@Injectable()
class StockSaga {
  @Saga()
  sagaOnly = (events$: Observable<IEvent>) =>
    events$.pipe(
      ofType(SagaOnlyEvent),
      map((event) => new ReserveStockCommand({ sku: event.sku })),
    );

  /** Holds its event 30 ms: the saga step's event age shows it. */
  @Saga()
  held = (events$: Observable<IEvent>) =>
    events$.pipe(
      ofType(HeldBySagaEvent),
      delay(30),
      map((event) => new ReserveStockCommand({ sku: event.sku })),
    );
}

/** Listens to the unhandled-event notices from before bootstrap, as a user hook would. */
@Injectable()
class UnhandledProbe implements OnModuleInit {
  readonly seen: Array<{ operation: string; attributes: OperationAttributes }> = [];
  constructor(private readonly registry: HookRegistry) {}
  onModuleInit(): void {
    this.registry.register(
      (operation, attributes, next) => {
        this.seen.push({ operation, attributes });
        return next();
      },
      { operations: ['event.unhandled.*'] },
    );
  }
}

const PROVIDERS = [HandlerOnlyHandler, StockSaga, UnhandledProbe];

describe('events nobody handles', () => {
  let app: TestingModule;
  let registry: Registry;

  beforeEach(async () => {
    registry = new Registry();
    app = await createTestApp({
      observability: { ...METRICS_ONLY, metrics: { registry } },
      providers: PROVIDERS,
    });
  });
  afterEach(() => app.close());

  const publish = (event: IEvent) => trackFlow(app, () => app.get(EventBus).publish(event));

  it('counts an event with no handler and no saga, by event type, and emits the notice', async () => {
    const event = new NobodyCaresEvent({ note: 'n' });
    await publish(event);
    await publish(new NobodyCaresEvent({ note: 'again' }));
    const text = await registry.metrics();
    expect(samplesOf(text, MetricNames.EVENTS_UNHANDLED)).toEqual([
      {
        name: MetricNames.EVENTS_UNHANDLED,
        labels: { event_type: 'NobodyCaresEvent' },
        value: 2,
      },
    ]);

    const seen = app.get(UnhandledProbe).seen;
    expect(seen).toHaveLength(2);
    expect(seen[0]!.operation).toBe(OperationNames.eventUnhandled('NobodyCaresEvent'));
    expect(seen[0]!.attributes).toMatchObject({
      kind: 'event',
      message_type: 'NobodyCaresEvent',
      message: event,
      message_id: event.eventId,
      'event.type': 'NobodyCaresEvent',
    });
    expect(seen[0]!.attributes.correlation_id).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('does not count events a handler or a saga takes', async () => {
    await publish(new HandlerOnlyEvent());
    await publish(new SagaOnlyEvent({ sku: 'S' }));
    await publish(new OrderPlacedEvent({ sku: 'O' }));
    // The guard: the same scrape does show an unhandled event.
    await publish(new NobodyCaresEvent({ note: 'guard' }));
    const text = await registry.metrics();
    expect(samplesOf(text, MetricNames.EVENTS_UNHANDLED).map((s) => s.labels)).toEqual([
      { event_type: 'NobodyCaresEvent' },
    ]);
    expect(app.get(UnhandledProbe).seen.map((s) => s.attributes.message_type)).toEqual([
      'NobodyCaresEvent',
    ]);
  });

  it('observes event age at handler start and at the saga step, from occurredAt', async () => {
    const twoSecondsAgo = new Date(Date.now() - 2000);
    await publish(new HandlerOnlyEvent({ occurredAt: twoSecondsAgo }));
    await trackFlow(app, () => app.get(EventBus).publish(new HeldBySagaEvent({ sku: 'H' })), {
      until: (flow) => flow.named('command.execute.ReserveStockCommand').length > 0,
    });
    const text = await registry.metrics();
    const handler = { event_type: 'HandlerOnlyEvent', handler: 'HandlerOnlyHandler' };
    expect(valueOf(text, `${MetricNames.EVENT_AGE}_count`, handler)).toBe(1);
    const handlerAge = valueOf(text, `${MetricNames.EVENT_AGE}_sum`, handler)!;
    expect(handlerAge).toBeGreaterThanOrEqual(2);
    expect(handlerAge).toBeLessThan(5);
    // Below 2 s nothing, at the 2.5 s bucket the one observation.
    expect(valueOf(text, `${MetricNames.EVENT_AGE}_bucket`, { ...handler, le: '1' })).toBe(0);
    expect(valueOf(text, `${MetricNames.EVENT_AGE}_bucket`, { ...handler, le: '2.5' })).toBe(1);

    const saga = { event_type: 'HeldBySagaEvent', handler: 'StockSaga' };
    expect(valueOf(text, `${MetricNames.EVENT_AGE}_count`, saga)).toBe(1);
    expect(valueOf(text, `${MetricNames.EVENT_AGE}_sum`, saga)!).toBeGreaterThanOrEqual(0.025);
  });

  it('watches nothing when no hook listens at bootstrap', async () => {
    const quiet = await createTestApp({
      observability: EVERY_SIGNAL_OFF,
      providers: [HandlerOnlyHandler, StockSaga],
    });
    // Not one hook: the buses call @nestjs/cqrs straight away.
    expect(quiet.get(HookRegistry).isEmpty).toBe(true);
    const late: string[] = [];
    // Registered after bootstrap: too late, the detector decided not to watch.
    quiet.get(HookRegistry).register(
      (operation, _attributes, next) => {
        late.push(operation);
        return next();
      },
      { operations: ['event.*'] },
    );
    await trackFlow(quiet, () => quiet.get(EventBus).publish(new NobodyCaresEvent({ note: 'q' })));
    expect(late).toEqual(['event.dispatch.NobodyCaresEvent']);
    await quiet.close();
  });
});

describe('events nobody handles, in the logs', () => {
  // nestjs-pino keeps its out-of-request logger module-wide: one stream for this file.
  const logs = new MemoryLogStream();

  it('writes a debug line with outcome "unhandled" and the event ids', async () => {
    const app = await createTestApp({
      observability: { tracing: false, metrics: false, sentry: false },
      imports: [LoggerModule.forRoot({ pinoHttp: [{ level: 'debug' }, logs.stream] })],
      providers: PROVIDERS,
    });
    const event = new NobodyCaresEvent({ note: 'secret-free' });
    await trackFlow(app, () => app.get(EventBus).publish(event));
    await trackFlow(app, () => app.get(EventBus).publish(new HandlerOnlyEvent()));
    const lines = logs.where({ outcome: 'unhandled' });
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({
      level: PinoLevel.debug,
      kind: 'event',
      message_type: 'NobodyCaresEvent',
      outcome: 'unhandled',
      message_id: event.eventId,
      correlation_id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      msg: 'event NobodyCaresEvent unhandled: no event handler and no saga took it',
    });
    // The handled event got its usual debug line, not an unhandled one.
    expect(logs.where({ message_type: 'HandlerOnlyEvent', outcome: 'success' })).toHaveLength(1);
    await app.close();
  });
});
