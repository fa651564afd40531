import { Injectable } from '@nestjs/common';
import {
  CommandBus,
  CommandHandler,
  EventBus,
  ICommandHandler,
  IEvent,
  ofType,
  Saga,
} from '@nestjs/cqrs';
import { Test, type TestingModule } from '@nestjs/testing';
import { CqrsModule } from '@nestjs/cqrs';
import { trace } from '@opentelemetry/api';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-node';
import {
  auditTime,
  bufferTime,
  concatMap,
  debounceTime,
  delay,
  filter,
  groupBy,
  map,
  mergeMap,
  Observable,
  switchMap,
  take,
  throttleTime,
  timer,
  toArray,
  windowTime,
} from 'rxjs';
import {
  BaseCommand,
  BaseEvent,
  CqrsObservabilityModule,
  getCausationId,
  getCorrelationId,
  inFlowOf,
  MAX_LINKED_EVENTS,
  trackFlow,
} from '../../lib';
import { SagaEventStream } from '../../lib/bus/saga-event-stream';
import { startTracingSdk, type TracingSdk } from '../tracing/tracing-sdk';
import { EVERY_SIGNAL_OFF } from '../utils/every-signal-off';

const FLOWS = 60;

class StartFlow extends BaseCommand<void, { flow: number; operator: string; ticks: number }> {}
class Tick extends BaseEvent<{ flow: number; operator: string; tick: number }> {}
class Tock extends BaseCommand<void, { operator: string; flows: number[] }> {}

interface Handled {
  readonly command: Tock;
  readonly correlationId: string | undefined;
  readonly causationId: string | undefined;
  readonly traceId: string | undefined;
}

@Injectable()
class Ledger {
  readonly ticks: Tick[] = [];
  readonly handled: Handled[] = [];
}

@CommandHandler(StartFlow)
class StartFlowHandler implements ICommandHandler<StartFlow> {
  constructor(
    private readonly eventBus: EventBus,
    private readonly ledger: Ledger,
  ) {}
  async execute({ flow, operator, ticks }: StartFlow): Promise<void> {
    for (let tick = 1; tick <= ticks; tick++) {
      const event = new Tick({ flow, operator, tick });
      this.ledger.ticks.push(event);
      this.eventBus.publish(event);
    }
  }
}

@CommandHandler(Tock)
class TockHandler implements ICommandHandler<Tock> {
  constructor(private readonly ledger: Ledger) {}
  async execute(command: Tock): Promise<void> {
    this.ledger.handled.push({
      command,
      correlationId: getCorrelationId(),
      causationId: getCausationId(),
      traceId: trace.getActiveSpan()?.spanContext().traceId,
    });
  }
}

const tock = (operator: string, events: readonly Tick[]) =>
  new Tock({ operator, flows: events.map((event) => event.flow) });

const ticksOf = (events$: Observable<IEvent>, operator: string) =>
  events$.pipe(
    ofType(Tick),
    filter((event) => event.operator === operator),
  );

/** One saga per operator; each listens to the ticks of its own operator only. */
@Injectable()
class TimeSagas {
  @Saga() delay = (events$: Observable<IEvent>) =>
    ticksOf(events$, 'delay').pipe(
      delay(10),
      map((e) => tock('delay', [e])),
    );

  @Saga() mergeMapTimer = (events$: Observable<IEvent>) =>
    ticksOf(events$, 'mergeMap').pipe(
      // Later flows finish first: emissions come out in another order than the events went in.
      mergeMap((e) => timer(20 - (e.flow % 20)).pipe(map(() => tock('mergeMap', [e])))),
    );

  @Saga() switchMapPerFlow = (events$: Observable<IEvent>) =>
    ticksOf(events$, 'switchMap-per-flow').pipe(
      groupBy((e) => e.flow),
      mergeMap((flow$) =>
        flow$.pipe(switchMap((e) => timer(5).pipe(map(() => tock('switchMap-per-flow', [e]))))),
      ),
    );

  @Saga() switchMapAcrossFlows = (events$: Observable<IEvent>) =>
    ticksOf(events$, 'switchMap').pipe(
      switchMap((e) => timer(5).pipe(map(() => tock('switchMap', [e])))),
    );

  @Saga() concatMapOfEvent = (events$: Observable<IEvent>) =>
    ticksOf(events$, 'concatMap').pipe(
      concatMap((e) => timer(1).pipe(map(() => e))),
      map((e) => tock('concatMap', [e])),
    );

  @Saga() concatMapInFlowOf = (events$: Observable<IEvent>) =>
    ticksOf(events$, 'concatMap-inFlowOf').pipe(
      concatMap((e) =>
        timer(1).pipe(
          map(() => tock('concatMap-inFlowOf', [e])),
          inFlowOf(e),
        ),
      ),
    );

  @Saga() debounce = (events$: Observable<IEvent>) =>
    ticksOf(events$, 'debounceTime').pipe(
      debounceTime(15),
      map((e) => tock('debounceTime', [e])),
    );

  @Saga() debouncePerFlow = (events$: Observable<IEvent>) =>
    ticksOf(events$, 'debounceTime-per-flow').pipe(
      groupBy((e) => e.flow),
      mergeMap((flow$) => flow$.pipe(debounceTime(5))),
      map((e) => tock('debounceTime-per-flow', [e])),
    );

  @Saga() audit = (events$: Observable<IEvent>) =>
    ticksOf(events$, 'auditTime').pipe(
      auditTime(15),
      map((e) => tock('auditTime', [e])),
    );

  @Saga() throttleLeading = (events$: Observable<IEvent>) =>
    ticksOf(events$, 'throttleTime').pipe(
      throttleTime(1000),
      map((e) => tock('throttleTime', [e])),
    );

  @Saga() throttleTrailing = (events$: Observable<IEvent>) =>
    ticksOf(events$, 'throttleTime-trailing').pipe(
      throttleTime(15, undefined, { leading: false, trailing: true }),
      map((e) => tock('throttleTime-trailing', [e])),
    );

  @Saga() buffer = (events$: Observable<IEvent>) =>
    ticksOf(events$, 'bufferTime').pipe(
      bufferTime(15),
      filter((events) => events.length > 0),
      map((events) => tock('bufferTime', events)),
    );

  @Saga() windowPerFlow = (events$: Observable<IEvent>) =>
    ticksOf(events$, 'windowTime').pipe(
      groupBy((e) => e.flow),
      mergeMap((flow$) =>
        flow$.pipe(
          windowTime(10),
          mergeMap((window$) => window$.pipe(toArray())),
          filter((events) => events.length > 0),
          take(1),
        ),
      ),
      map((events) => tock('windowTime', events)),
    );
}

describe('saga time operators keep each command in the flow of the event that caused it', () => {
  let sdk: TracingSdk;
  let app: TestingModule;
  let ledger: Ledger;

  beforeAll(() => {
    sdk = startTracingSdk();
  });
  afterAll(() => sdk.shutdown());

  beforeEach(async () => {
    sdk.exporter.reset();
    app = await Test.createTestingModule({
      imports: [CqrsModule.forRoot(), CqrsObservabilityModule.forRoot()],
      providers: [Ledger, StartFlowHandler, TockHandler, TimeSagas],
    }).compile();
    await app.init();
    ledger = app.get(Ledger);
  });
  afterEach(() => app.close());

  /** Starts FLOWS flows at once, each its own top-level dispatch (its own correlation id). */
  async function startFlows(operator: string, ticks = 1): Promise<void> {
    const bus = app.get(CommandBus);
    await Promise.all(
      Array.from({ length: FLOWS }, (_, i) =>
        bus.execute(new StartFlow({ flow: i + 1, operator, ticks })),
      ),
    );
  }

  async function handledCommands(count: number): Promise<Handled[]> {
    const deadline = Date.now() + 2000;
    while (ledger.handled.length < count && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    // Anything more than expected would come within a few milliseconds.
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(ledger.handled).toHaveLength(count);
    return ledger.handled;
  }

  const spans = () => sdk.exporter.getFinishedSpans();
  const spansNamed = (name: string) => spans().filter((span) => span.name === name);
  const attr = (span: ReadableSpan, key: string) => span.attributes[key];

  /** The flow's id and its publish span, for every tick published. */
  function ticksById() {
    const published = new Map<string, { tick: Tick; correlationId: string; span: ReadableSpan }>();
    const dispatchSpans = new Map(
      spansNamed('event.dispatch.Tick').map((span) => [attr(span, 'cqrs.message_id'), span]),
    );
    const startSpans = spansNamed('cqrs.StartFlow');
    for (const tick of ledger.ticks) {
      const span = dispatchSpans.get(tick.eventId)!;
      expect(span).toBeDefined();
      published.set(tick.eventId, {
        tick,
        correlationId: attr(span, 'cqrs.correlation_id') as string,
        span,
      });
    }
    // Every flow is its own trace and has its own correlation id.
    expect(startSpans.length).toBeGreaterThan(0);
    expect(new Set(startSpans.map((s) => s.spanContext().traceId)).size).toBe(startSpans.length);
    expect(new Set(startSpans.map((s) => attr(s, 'cqrs.correlation_id'))).size).toBe(
      startSpans.length,
    );
    return published;
  }

  /**
   * The command is in the flow of `cause`: same correlation id, causation id = the tick's
   * event id, its saga span a child of the tick's publish span (same trace), and the command
   * handler sees the same ids and trace.
   */
  function expectInFlowOf(handled: Handled, cause: Tick): ReadableSpan {
    const published = ticksById().get(cause.eventId)!;
    expect(handled.correlationId).toBe(published.correlationId);
    expect(handled.causationId).toBe(cause.eventId);
    expect(handled.traceId).toBe(published.span.spanContext().traceId);

    const sagaSpan = spansNamed('saga.run.TimeSagas').find(
      (span) => attr(span, 'cqrs.message_id') === handled.command.requestId,
    )!;
    expect(sagaSpan).toBeDefined();
    expect(attr(sagaSpan, 'cqrs.correlation_id')).toBe(published.correlationId);
    expect(attr(sagaSpan, 'cqrs.causation_id')).toBe(cause.eventId);
    expect(sagaSpan.spanContext().traceId).toBe(published.span.spanContext().traceId);
    expect(sagaSpan.parentSpanContext?.spanId).toBe(published.span.spanContext().spanId);
    return sagaSpan;
  }

  /** The tick of `flow` number `tick` (1-based). */
  const tickOf = (flow: number, tick = 1) =>
    ledger.ticks.find((t) => t.flow === flow && t.tick === tick)!;

  describe('operators that emit one command per event', () => {
    it.each([
      ['delay', 'delay'],
      ['mergeMap to a timer', 'mergeMap'],
      ['concatMap whose inner emits the event', 'concatMap'],
      [
        'concatMap whose inner emits the command, piped through inFlowOf(event)',
        'concatMap-inFlowOf',
      ],
    ])('%s', async (_, operator) => {
      await startFlows(operator);
      const handled = await handledCommands(FLOWS);
      for (const entry of handled) {
        const [flow] = entry.command.flows;
        const sagaSpan = expectInFlowOf(entry, tickOf(flow!));
        expect(sagaSpan.links).toHaveLength(0);
      }
      expect(new Set(handled.map((h) => h.correlationId)).size).toBe(FLOWS);
    });

    it('switchMap to a timer, per flow: the command is caused by the flow’s last event', async () => {
      await startFlows('switchMap-per-flow', 3);
      const handled = await handledCommands(FLOWS);
      for (const entry of handled) {
        const [flow] = entry.command.flows;
        expectInFlowOf(entry, tickOf(flow!, 3));
      }
    });
  });

  describe('operators that let one event of several flows through', () => {
    it.each([
      ['debounceTime: the last event of the burst', 'debounceTime', FLOWS],
      ['auditTime: the last event of the window', 'auditTime', FLOWS],
      ['throttleTime (trailing): the last event of the window', 'throttleTime-trailing', FLOWS],
      ['throttleTime (leading): the first event', 'throttleTime', 1],
      ['switchMap to a timer across flows: the last event', 'switchMap', FLOWS],
    ])('%s', async (_, operator, expectedFlow) => {
      await startFlows(operator);
      const [only] = await handledCommands(1);
      expect(only!.command.flows).toEqual([expectedFlow]);
      const sagaSpan = expectInFlowOf(only!, tickOf(expectedFlow));
      // The events the operator dropped are not part of the command: no links.
      expect(sagaSpan.links).toHaveLength(0);
    });

    it('debounceTime per flow (groupBy): each flow’s own last event', async () => {
      await startFlows('debounceTime-per-flow', 3);
      const handled = await handledCommands(FLOWS);
      for (const entry of handled) expectInFlowOf(entry, tickOf(entry.command.flows[0]!, 3));
    });
  });

  describe('operators that merge events into one emission', () => {
    it('bufferTime across flows: the flow of the last event, the others linked', async () => {
      await startFlows('bufferTime');
      const handled = await handledCommands(1);
      const only = handled[0]!;
      expect(only.command.flows).toHaveLength(FLOWS);
      const lastFlow = only.command.flows[FLOWS - 1]!;
      const sagaSpan = expectInFlowOf(only, tickOf(lastFlow));

      const published = ticksById();
      const linked = sagaSpan.links.map((link) => link.context.spanId);
      const others = only.command.flows
        .slice(0, -1)
        .map((flow) => published.get(tickOf(flow).eventId)!.span.spanContext().spanId);
      expect(linked).toEqual(others);
      expect(linked).toHaveLength(FLOWS - 1);
    });

    it(`links at most MAX_LINKED_EVENTS (${MAX_LINKED_EVENTS}) merged events`, async () => {
      const ticks = MAX_LINKED_EVENTS + 10;
      await app.get(CommandBus).execute(new StartFlow({ flow: 1, operator: 'bufferTime', ticks }));
      const [only] = await handledCommands(1);
      expect(only!.command.flows).toHaveLength(ticks);
      const sagaSpan = expectInFlowOf(only!, tickOf(1, ticks));
      expect(sagaSpan.links).toHaveLength(MAX_LINKED_EVENTS);
    });

    it('groupBy + windowTime: one command per flow, its last event’s flow, the others linked', async () => {
      await startFlows('windowTime', 3);
      const handled = await handledCommands(FLOWS);
      const published = ticksById();
      for (const entry of handled) {
        const flow = entry.command.flows[0]!;
        expect(entry.command.flows).toEqual([flow, flow, flow]);
        const sagaSpan = expectInFlowOf(entry, tickOf(flow, 3));
        expect(sagaSpan.links.map((link) => link.context.spanId)).toEqual(
          [1, 2].map(
            (tick) => published.get(tickOf(flow, tick).eventId)!.span.spanContext().spanId,
          ),
        );
      }
    });
  });
});

describe('a saga of an idle app (no correlation, no hook)', () => {
  let seen: Observable<IEvent> | undefined;

  @Injectable()
  class CapturingSaga {
    @Saga() capture = (events$: Observable<IEvent>) => {
      seen = events$;
      return events$.pipe(
        ofType(Tick),
        map((e) => tock('idle', [e])),
      );
    };
  }

  it('gets the plain stream: nothing runs per stage, and the saga still works', async () => {
    const app = await Test.createTestingModule({
      imports: [CqrsModule.forRoot(), CqrsObservabilityModule.forRoot(EVERY_SIGNAL_OFF)],
      providers: [Ledger, StartFlowHandler, TockHandler, CapturingSaga],
    }).compile();
    await app.init();
    expect(seen).toBeInstanceOf(Observable);
    expect(seen).not.toBeInstanceOf(SagaEventStream);
    await trackFlow(app, () =>
      app.get(CommandBus).execute(new StartFlow({ flow: 1, operator: 'idle', ticks: 1 })),
    );
    expect(app.get(Ledger).handled.map((h) => h.command.flows)).toEqual([[1]]);
    await app.close();
  });
});
