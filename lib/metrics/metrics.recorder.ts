import type { FailureReporter } from '../errors/failure-reporter';
import type { CqrsOperationContext, OperationAttributes } from '../hooks/hook.types';
import { observeOutcome, OutcomeObserver } from '../hooks/observe-outcome';
import { OperationNames } from '../hooks/operations';
import { LabelPairLimiter, LabelValueLimiter } from './label-value-limiter';
import { MetricLabels, MetricOutcomes, OTHER_LABEL_VALUE } from './metrics.constants';
import type { MetricFamilies } from './metrics.families';
import type {
  CounterFamily,
  CounterSeries,
  GaugeSeries,
  HistogramFamily,
  HistogramSeries,
} from './metrics.series';
import { traceExemplar } from './trace-exemplar';

const EVENT_HANDLER_PREFIX = 'event.handler.';
const SAGA_ERROR_PREFIX = 'saga.error.';
const UNHANDLED_EXCEPTION_PREFIX = 'unhandled_exception.';
const EVENT_UNHANDLED_PREFIX = 'event.unhandled.';
const SAGA_RUN_PREFIX = 'saga.run.';
const MESSAGE_REGISTRY_REGISTER = OperationNames.messageRegistryRegister;
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
  run(attributes: OperationAttributes, next: () => unknown): unknown;
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
  ) {
    const max = config.maxMessageTypes;
    this.messageTypes = new LabelValueLimiter(max);
    this.handlerPairs = new LabelPairLimiter(max);
    this.sagas = new LabelValueLimiter(max);
    this.causeTypes = new LabelValueLimiter(max);
    this.maxCachedOperations = Math.max(MIN_CACHED_OPERATIONS, max * 4);
  }

  record(context: CqrsOperationContext, next: () => unknown): unknown {
    let series = this.byOperation.get(context.operation);
    if (series === undefined) series = this.createSeries(context);
    return series.run(context.attributes, next);
  }

  private createSeries({ operation, attributes }: CqrsOperationContext): OperationSeries {
    const series = this.seriesFor(operation, attributes);
    // Class names are bounded, but operations past the cap share series: keep the cache flat
    // even when classes are generated at runtime.
    if (this.byOperation.size >= this.maxCachedOperations) this.byOperation.clear();
    this.byOperation.set(operation, series);
    return series;
  }

  private seriesFor(operation: string, attributes: OperationAttributes): OperationSeries {
    const families = this.families;
    if (operation.startsWith(EVENT_HANDLER_PREFIX)) {
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
    if (operation.startsWith(EVENT_UNHANDLED_PREFIX)) {
      return new NoticeSeries(
        families.eventsUnhandled.seriesFor({
          [MetricLabels.EVENT_TYPE]: this.messageTypes.value(attributes.message_type),
        }),
      );
    }
    if (operation.startsWith(SAGA_ERROR_PREFIX)) {
      const saga = this.sagas.value(attributes['saga.type'] ?? attributes.message_type);
      return new NoticeSeries(families.sagaStreamErrors.seriesFor({ [MetricLabels.SAGA]: saga }));
    }
    if (operation === MESSAGE_REGISTRY_REGISTER) {
      return new RegistrationSeries(families.sagaStreamErrors, this.sagas);
    }
    if (operation.startsWith(UNHANDLED_EXCEPTION_PREFIX)) {
      return new UnhandledExceptionSeries(families.unhandledExceptions, this.causeTypes);
    }
    const kind = kindLabel(attributes.kind);
    const timed = this.timed(families.messageDuration, families.messageTotal, kind, {
      [MetricLabels.KIND]: kind,
      [MetricLabels.MESSAGE_TYPE]: this.messageTypes.value(attributes.message_type),
    });
    if (!operation.startsWith(SAGA_RUN_PREFIX)) return timed;
    // A saga step's age is its causing event's: how long the saga held it.
    const [eventType, saga] = this.handlerPairs.pair(attributes['event.type'], attributes.handler);
    const age = families.eventAge.seriesFor({
      [MetricLabels.EVENT_TYPE]: eventType,
      [MetricLabels.HANDLER]: saga,
    });
    return new AgedSeries(age, 'saga.event', timed);
  }

  private timed(
    duration: HistogramFamily,
    total: CounterFamily,
    kind: string,
    labels: Record<string, string>,
  ): TimedSeries {
    const success = { ...labels, [MetricLabels.OUTCOME]: MetricOutcomes.SUCCESS };
    const error = { ...labels, [MetricLabels.OUTCOME]: MetricOutcomes.ERROR };
    return new TimedSeries(
      this.inFlight(kind),
      duration.seriesFor(success),
      total.seriesFor(success),
      duration.seriesFor(error),
      total.seriesFor(error),
      this.config.exemplars,
      this.reporter,
    );
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
 * under its outcome. It is its own outcome observer and the start time is the state, so
 * measuring allocates nothing beyond what observeOutcome needs for a promise.
 */
class TimedSeries implements OperationSeries, OutcomeObserver<number> {
  constructor(
    private readonly inFlight: GaugeSeries,
    private readonly successDuration: HistogramSeries,
    private readonly successTotal: CounterSeries,
    private readonly errorDuration: HistogramSeries,
    private readonly errorTotal: CounterSeries,
    private readonly exemplars: boolean,
    private readonly reporter: FailureReporter,
  ) {}

  run(attributes: OperationAttributes, next: () => unknown): unknown {
    this.inFlight.inc();
    return observeOutcome(
      next,
      this,
      performance.now(),
      this.reporter,
      OBSERVER_SOURCE,
      attributes,
    );
  }

  onSuccess(start: number): void {
    this.settle(start, this.successDuration, this.successTotal);
  }

  onError(start: number): void {
    this.settle(start, this.errorDuration, this.errorTotal);
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
    private readonly age: HistogramSeries,
    private readonly eventAttribute: 'message' | 'saga.event',
    private readonly inner: OperationSeries,
  ) {}

  run(attributes: OperationAttributes, next: () => unknown): unknown {
    const event = attributes[this.eventAttribute];
    const occurredAt =
      event !== null && typeof event === 'object'
        ? (event as { occurredAt?: unknown }).occurredAt
        : undefined;
    if (occurredAt instanceof Date) {
      const ms = Date.now() - occurredAt.getTime();
      if (!Number.isNaN(ms)) this.age.observe(ms > 0 ? ms / 1000 : 0, undefined);
    }
    return this.inner.run(attributes, next);
  }
}

/** A notice (no work of its own): counted, then passed on. */
class NoticeSeries implements OperationSeries {
  constructor(private readonly counter: CounterSeries) {}

  run(_attributes: OperationAttributes, next: () => unknown): unknown {
    this.counter.inc(undefined);
    return next();
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

  run(attributes: OperationAttributes, next: () => unknown): unknown {
    this.counter.inc({
      [MetricLabels.KIND]: kindLabel(attributes.kind),
      [MetricLabels.CAUSE_TYPE]: this.causeTypes.value(
        attributes.cause_type ?? attributes.message_type,
      ),
    });
    return next();
  }
}

/**
 * `message_registry.register` notices, one per handler and saga at bootstrap. A saga's stream
 * dies at most once per process, so its error counter starts at 0: a series that appears
 * already at 1 is invisible to `increase()` and an alert on it would never fire.
 */
class RegistrationSeries implements OperationSeries {
  constructor(
    private readonly sagaStreamErrors: CounterFamily,
    private readonly sagas: LabelValueLimiter,
  ) {}

  run(attributes: OperationAttributes, next: () => unknown): unknown {
    if (attributes.kind === 'saga') {
      this.sagaStreamErrors.zero({
        [MetricLabels.SAGA]: this.sagas.value(attributes.message_type),
      });
    }
    return next();
  }
}

function kindLabel(kind: unknown): string {
  return KINDS.has(kind) ? (kind as string) : OTHER_LABEL_VALUE;
}
