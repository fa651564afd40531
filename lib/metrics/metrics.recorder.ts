import { failureOutcome, OperationOutcome } from '../hooks/operation-outcome';
import type { FailureReporter } from '../errors/failure-reporter';
import type { OperationAttributes } from '../hooks/hook.types';
import { OperationRole } from '../hooks/operation-descriptor';
import type { OperationFrame, OutcomeObserver } from '../hooks/operation-frame';
import { OperationNames } from '../hooks/operations';
import type { TelemetryPolicies } from '../hooks/telemetry-policies';
import { MESSAGE_CLASS } from '../shared/tokens';
import { LabelPairLimiter, LabelValueLimiter } from '../shared/label-value-limiter';
import { MetricLabels, MetricOutcomes, OTHER_LABEL_VALUE } from './metrics.constants';
import type { MetricFamilies } from './metrics.families';
import type { CounterFamily, HistogramFamily } from './metrics.series';
import type { CounterSeries, GaugeSeries, HistogramSeries } from './series.interfaces';
import { traceExemplar } from './trace-exemplar';

const KINDS: ReadonlySet<unknown> = new Set(['command', 'query', 'event', 'saga']);
const MIN_CACHED_OPERATIONS = 2048;
const OBSERVER_SOURCE = 'Recording CQRS metrics';

export interface MetricsRecorderConfig {
  readonly maxMessageTypes: number;
  /** Attach the active trace id as an exemplar (the registry is OpenMetrics). */
  readonly exemplars: boolean;
}

/** What the recorder does for one operation name, built once and cached. */
interface OperationSeries {
  /** As the chain reaches the metrics signal; timed series watch the rest of it. */
  start(frame: OperationFrame): void;
}

/**
 * Turns operations into metric series. Everything that depends on the operation — label
 * values, the cardinality cap, prom-client's labelled children — is worked out on its first
 * dispatch and cached by operation name, so a dispatch costs one map lookup and no label
 * objects.
 */
export class MetricsRecorder {
  private readonly byOperation = new Map<string, OperationSeries>();
  private readonly inFlightByKind = new Map<string, GaugeSeries>();
  // One per distinct label set; label values are capped, so this map is bounded by the caps.
  private readonly timedByLabels = new Map<string, TimedSeries>();
  private readonly maxCachedOperations: number;
  // One cap per label dimension, as many distinct values as `maxMessageTypes` each.
  private readonly messageTypes: LabelValueLimiter;
  // Event handler series are capped as (event_type, handler) pairs, not per dimension.
  private readonly handlerPairs: LabelPairLimiter;
  private readonly sagas: LabelValueLimiter;
  private readonly causeTypes: LabelValueLimiter;

  constructor(
    private readonly families: MetricFamilies,
    private readonly config: MetricsRecorderConfig,
    private readonly reporter: FailureReporter,
    private readonly telemetry: TelemetryPolicies,
  ) {
    const max = config.maxMessageTypes;
    this.messageTypes = new LabelValueLimiter(max);
    this.handlerPairs = new LabelPairLimiter(max);
    this.sagas = new LabelValueLimiter(max);
    this.causeTypes = new LabelValueLimiter(max);
    this.maxCachedOperations = Math.max(MIN_CACHED_OPERATIONS, max * 4);
  }

  start(frame: OperationFrame): void {
    const descriptor = frame.descriptor;
    let series = this.byOperation.get(descriptor.operation);
    if (series === undefined) {
      series = this.createSeries(descriptor.operation, descriptor.role, frame.attributes);
    }
    series.start(frame);
  }

  private createSeries(
    operation: string,
    role: OperationRole,
    attributes: OperationAttributes,
  ): OperationSeries {
    const series = this.seriesFor(role, attributes);
    // Class names are bounded, but operations past the cap share series: keep the cache flat
    // even when classes are generated at runtime.
    if (this.byOperation.size >= this.maxCachedOperations) this.byOperation.clear();
    this.byOperation.set(operation, series);
    return series;
  }

  private seriesFor(role: OperationRole, attributes: OperationAttributes): OperationSeries {
    const families = this.families;
    if (role === OperationRole.HANDLER) {
      const [eventType, handler] = this.handlerPairs.pair(
        attributes.message_type,
        attributes.handler,
      );
      const labels = { [MetricLabels.EVENT_TYPE]: eventType, [MetricLabels.HANDLER]: handler };
      return new AgedSeries(
        families.eventAge.seriesFor(labels),
        'message',
        this.timed(families.eventHandlerDuration, families.eventHandlerTotal, 'event', labels),
      );
    }
    if (role === OperationRole.EVENT_UNHANDLED) {
      return new NoticeSeries(
        families.eventsUnhandled.seriesFor({
          [MetricLabels.EVENT_TYPE]: this.messageTypes.value(attributes.message_type),
        }),
      );
    }
    if (role === OperationRole.SAGA_ERROR) {
      const saga = this.sagas.value(attributes['saga.type'] ?? attributes.message_type);
      return new NoticeSeries(families.sagaStreamErrors.seriesFor({ [MetricLabels.SAGA]: saga }));
    }
    if (role === OperationRole.REGISTER) {
      return new RegistrationSeries((attributes) => this.prepare(attributes));
    }
    if (role === OperationRole.UNHANDLED_EXCEPTION) {
      return new UnhandledExceptionSeries(families.unhandledExceptions, this.causeTypes);
    }
    const kind = kindLabel(attributes.kind);
    const timed = this.timed(families.messageDuration, families.messageTotal, kind, {
      [MetricLabels.KIND]: kind,
      [MetricLabels.MESSAGE_TYPE]: this.messageTypes.value(attributes.message_type),
    });
    if (role !== OperationRole.SAGA) return timed;
    // A saga step's age is its causing event's (how long the saga held it); one saga answers
    // several event types, so the series is chosen per emission.
    const saga = attributes.handler;
    const ages = new Map<unknown, HistogramSeries>();
    const ageOf = (eventType: unknown): HistogramSeries => {
      let series = ages.get(eventType);
      if (series === undefined) {
        const [event, handler] = this.handlerPairs.pair(eventType, saga);
        series = families.eventAge.seriesFor({
          [MetricLabels.EVENT_TYPE]: event,
          [MetricLabels.HANDLER]: handler,
        });
        ages.set(eventType, series);
      }
      return series;
    };
    return new AgedSeries(ageOf, 'saga.event', timed);
  }

  /**
   * Creates, at 0, every series a registered handler will write: a series that first appears
   * at 1 is invisible to `rate()` and `increase()`, so the first failure of a fresh process
   * would not show on any dashboard or alert.
   */
  private prepare(attributes: OperationAttributes): void {
    const type = attributes.message_type;
    const handler = attributes.handler;
    if (typeof type !== 'string') return;
    // The same policy the series will be recorded under: a type whose metrics are off for
    // this handler (or for itself) gets no series at all, not even at zero.
    const messageClass = (attributes as Record<symbol, unknown>)[MESSAGE_CLASS];
    const recorded = (handled: boolean) =>
      this.telemetry.telemetryPolicyOf(messageClass, handled ? handler : undefined).metrics;
    switch (attributes.kind) {
      case 'command':
        if (!recorded(true)) break;
        this.prepareOperation(OperationNames.commandExecute(type), OperationRole.COMMAND, {
          kind: 'command',
          message_type: type,
        });
        break;
      case 'query':
        if (!recorded(true)) break;
        this.prepareOperation(OperationNames.queryExecute(type), OperationRole.QUERY, {
          kind: 'query',
          message_type: type,
        });
        break;
      case 'event':
        if (recorded(false)) {
          this.prepareOperation(OperationNames.eventDispatch(type), OperationRole.DISPATCH, {
            kind: 'event',
            message_type: type,
          });
        }
        if (typeof handler === 'string' && recorded(true)) {
          this.prepareOperation(OperationNames.eventHandler(type, handler), OperationRole.HANDLER, {
            kind: 'event',
            message_type: type,
            handler,
          });
        }
        break;
      case 'saga':
        if (!recorded(true)) break;
        this.families.sagaStreamErrors.zero({ [MetricLabels.SAGA]: this.sagas.value(type) });
        this.prepareOperation(OperationNames.sagaRun(type), OperationRole.SAGA, {
          kind: 'saga',
          message_type: type,
          handler: type,
        });
        break;
      default:
    }
  }

  private prepareOperation(
    operation: string,
    role: OperationRole,
    attributes: OperationAttributes,
  ): void {
    if (!this.byOperation.has(operation)) this.createSeries(operation, role, attributes);
  }

  private timed(
    duration: HistogramFamily,
    total: CounterFamily,
    kind: string,
    labels: Record<string, string>,
  ): TimedSeries {
    // Operations past the label cap share their labels (`_other`): they share one series
    // too, and zeroing it again would reset the histogram.
    let key = kind;
    for (const name in labels) key += '\u0000' + labels[name];
    const existing = this.timedByLabels.get(key);
    if (existing !== undefined) return existing;
    const success = { ...labels, [MetricLabels.OUTCOME]: MetricOutcomes.SUCCESS };
    const error = { ...labels, [MetricLabels.OUTCOME]: MetricOutcomes.ERROR };
    // Both outcomes exist from the start (at 0), whichever comes first.
    for (const outcome of [success, error]) {
      total.zero(outcome);
      duration.zero(outcome);
    }
    // `unhandled` (a command or query without a handler) is a series only once it happens.
    const unhandled = (): [HistogramSeries, CounterSeries] => {
      const outcome = { ...labels, [MetricLabels.OUTCOME]: MetricOutcomes.UNHANDLED };
      return [duration.seriesFor(outcome), total.seriesFor(outcome)];
    };
    const series = new TimedSeries(
      this.inFlight(kind),
      duration.seriesFor(success),
      total.seriesFor(success),
      duration.seriesFor(error),
      total.seriesFor(error),
      unhandled,
      this.config.exemplars,
      this.reporter,
    );
    this.timedByLabels.set(key, series);
    return series;
  }

  private inFlight(kind: string): GaugeSeries {
    let series = this.inFlightByKind.get(kind);
    if (series === undefined) {
      series = this.families.messagesInFlight.seriesFor(kind);
      this.inFlightByKind.set(kind, series);
    }
    return series;
  }
}

/**
 * A measured operation: in flight from start to settle, then one duration and one count
 * under its outcome. It is its own outcome observer and the frame's start time is the state,
 * so measuring allocates nothing.
 */
class TimedSeries implements OperationSeries, OutcomeObserver<number> {
  private unhandled: [HistogramSeries, CounterSeries] | undefined;

  constructor(
    private readonly inFlight: GaugeSeries,
    private readonly successDuration: HistogramSeries,
    private readonly successTotal: CounterSeries,
    private readonly errorDuration: HistogramSeries,
    private readonly errorTotal: CounterSeries,
    private readonly unhandledSeries: () => [HistogramSeries, CounterSeries],
    private readonly exemplars: boolean,
    private readonly reporter: FailureReporter,
  ) {}

  start(frame: OperationFrame): void {
    this.inFlight.inc();
    frame.watch(this, frame.startedAt);
  }

  report(failure: unknown): void {
    this.reporter.report(OBSERVER_SOURCE, failure);
  }

  onSuccess(start: number): void {
    this.settle(start, this.successDuration, this.successTotal);
  }

  onError(start: number, error: unknown): void {
    if (failureOutcome(error) === OperationOutcome.UNHANDLED) {
      this.unhandled ??= this.unhandledSeries();
      this.settle(start, this.unhandled[0], this.unhandled[1]);
    } else {
      this.settle(start, this.errorDuration, this.errorTotal);
    }
  }

  private settle(start: number, duration: HistogramSeries, total: CounterSeries): void {
    const seconds = (performance.now() - start) / 1000;
    this.inFlight.dec();
    // Read where the operation settles: promise continuations keep the context of the
    // interceptor, whose active span is the operation's own.
    const exemplar = this.exemplars ? traceExemplar() : undefined;
    duration.observe(seconds, exemplar);
    total.inc(exemplar);
  }
}

/**
 * Observes the age of the event an operation handles (`occurredAt` of a `BaseEvent` to now)
 * as it starts, then runs the operation's own series. Events without a valid `occurredAt`
 * are not observed.
 */
class AgedSeries implements OperationSeries {
  constructor(
    /** The handler's one series, or (sagas) the series for the emission's event type. */
    private readonly age: HistogramSeries | ((eventType: unknown) => HistogramSeries),
    private readonly eventAttribute: 'message' | 'saga.event',
    private readonly inner: OperationSeries,
  ) {}

  start(frame: OperationFrame): void {
    const attributes = frame.attributes;
    const event = attributes[this.eventAttribute];
    const occurredAt =
      event !== null && typeof event === 'object'
        ? (event as { occurredAt?: unknown }).occurredAt
        : undefined;
    if (occurredAt instanceof Date) {
      const ms = Date.now() - occurredAt.getTime();
      const age = this.age;
      const series = typeof age === 'function' ? age(attributes['event.type']) : age;
      if (!Number.isNaN(ms)) series.observe(ms > 0 ? ms / 1000 : 0, undefined);
    }
    this.inner.start(frame);
  }
}

/** A notice (no work of its own): counted, then passed on. */
class NoticeSeries implements OperationSeries {
  constructor(private readonly counter: CounterSeries) {}

  start(): void {
    this.counter.inc(undefined);
  }
}

/**
 * `unhandled_exception.*` notices: rare, and the kind @nestjs/cqrs blames can differ between
 * two notices of the same cause, so labels are worked out per notice.
 */
class UnhandledExceptionSeries implements OperationSeries {
  constructor(
    private readonly counter: CounterFamily,
    private readonly causeTypes: LabelValueLimiter,
  ) {}

  start(frame: OperationFrame): void {
    const attributes = frame.attributes;
    this.counter.inc({
      [MetricLabels.KIND]: kindLabel(attributes.kind),
      [MetricLabels.CAUSE_TYPE]: this.causeTypes.value(
        attributes.cause_type ?? attributes.message_type,
      ),
    });
  }
}

/** `message_registry.register` notices, one per handler and saga at bootstrap. */
class RegistrationSeries implements OperationSeries {
  constructor(private readonly prepare: (attributes: OperationAttributes) => void) {}

  start(frame: OperationFrame): void {
    this.prepare(frame.attributes);
  }
}

function kindLabel(kind: unknown): string {
  return KINDS.has(kind) ? (kind as string) : OTHER_LABEL_VALUE;
}
