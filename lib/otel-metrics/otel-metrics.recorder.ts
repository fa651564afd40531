import type { Attributes, Counter, Histogram, Meter } from '@opentelemetry/api';
import type { FailureReporter } from '../errors/failure-reporter';
import type { OperationAttributes } from '../hooks/hook.types';
import { OperationRole } from '../hooks/operation-descriptor';
import type { OperationFrame, OutcomeObserver } from '../hooks/operation-frame';
import {
  boundedLabelValue,
  LabelPairLimiter,
  LabelValueLimiter,
  OTHER_LABEL_VALUE,
} from '../shared/label-value-limiter';
import {
  OTEL_ERROR_TYPE_OTHER,
  OTEL_MESSAGING_SYSTEM,
  OTEL_PROCESS_DURATION_BUCKETS,
  OtelMetricAttributes,
  OtelMetricDescriptions,
  OtelMetricNames,
  OtelMetricUnits,
  OtelOperationNames,
} from './otel-metrics.constants';

const MIN_CACHED_OPERATIONS = 2048;
const SOURCE = 'Recording OpenTelemetry CQRS metrics';

/** What the recorder does for one operation name, built once and cached. */
interface OperationSeries {
  /** As the chain reaches the signal: watches how the rest of it ends. */
  start(frame: OperationFrame): void;
}

/**
 * Turns operations into OpenTelemetry measurements. The attributes of an operation — its
 * destination and subscription, capped like the Prometheus labels — are worked out on its
 * first dispatch and kept as one frozen object, so a successful dispatch hands the SDK the
 * same object every time; only a failure builds one, to add `error.type`.
 */
export class OtelMetricsRecorder {
  private readonly duration: Histogram;
  private readonly sent: Counter;
  private readonly byOperation = new Map<string, OperationSeries>();
  private readonly maxCachedOperations: number;
  private readonly destinations: LabelValueLimiter;
  // Handler and saga series are capped as (destination, subscription) pairs, like Prometheus.
  private readonly subscriptions: LabelPairLimiter;
  private readonly errorTypes: LabelValueLimiter;

  constructor(
    meter: Meter,
    maxMessageTypes: number,
    private readonly reporter: FailureReporter,
  ) {
    this.duration = meter.createHistogram(OtelMetricNames.PROCESS_DURATION, {
      unit: OtelMetricUnits[OtelMetricNames.PROCESS_DURATION],
      description: OtelMetricDescriptions[OtelMetricNames.PROCESS_DURATION],
      advice: { explicitBucketBoundaries: [...OTEL_PROCESS_DURATION_BUCKETS] },
    });
    this.sent = meter.createCounter(OtelMetricNames.SENT_MESSAGES, {
      unit: OtelMetricUnits[OtelMetricNames.SENT_MESSAGES],
      description: OtelMetricDescriptions[OtelMetricNames.SENT_MESSAGES],
    });
    this.destinations = new LabelValueLimiter(maxMessageTypes);
    this.subscriptions = new LabelPairLimiter(maxMessageTypes);
    this.errorTypes = new LabelValueLimiter(maxMessageTypes);
    this.maxCachedOperations = Math.max(MIN_CACHED_OPERATIONS, maxMessageTypes * 4);
  }

  start(frame: OperationFrame): void {
    const operation = frame.descriptor.operation;
    let series = this.byOperation.get(operation);
    if (series === undefined) {
      series = this.seriesFor(frame.descriptor.role, frame.attributes);
      // Operations past the caps share attributes: keep the cache flat even when classes are
      // generated at runtime.
      if (this.byOperation.size >= this.maxCachedOperations) this.byOperation.clear();
      this.byOperation.set(operation, series);
    }
    series.start(frame);
  }

  private seriesFor(role: OperationRole, a: OperationAttributes): OperationSeries {
    if (role === OperationRole.DISPATCH) {
      return this.measured(
        this.sent,
        false,
        this.attributes(OtelOperationNames.SEND, this.destinations.value(a.message_type)),
      );
    }
    if (role === OperationRole.SAGA) {
      return new SagaSteps((eventType) => this.subscribed(eventType, a.handler));
    }
    if (role === OperationRole.HANDLER) return this.subscribed(a.message_type, a.handler);
    // Commands and queries: one handler each, so the subscription adds no series.
    const destination = this.destinations.value(a.message_type);
    const handler =
      typeof a.handler !== 'string'
        ? undefined
        : destination === OTHER_LABEL_VALUE
          ? OTHER_LABEL_VALUE
          : boundedLabelValue(a.handler);
    return this.measured(
      this.duration,
      true,
      this.attributes(OtelOperationNames.PROCESS, destination, handler),
    );
  }

  private subscribed(destination: unknown, subscription: unknown): Measured {
    const [event, handler] = this.subscriptions.pair(destination, subscription);
    return this.measured(
      this.duration,
      true,
      this.attributes(OtelOperationNames.PROCESS, event, handler),
    );
  }

  private measured(
    instrument: Histogram | Counter,
    timed: boolean,
    attributes: Attributes,
  ): Measured {
    return new Measured(instrument, timed, attributes, this.errorTypeOf, this.reporter);
  }

  private attributes(operation: string, destination: string, subscription?: string): Attributes {
    const attributes: Attributes = {
      [OtelMetricAttributes.MESSAGING_SYSTEM]: OTEL_MESSAGING_SYSTEM,
      [OtelMetricAttributes.MESSAGING_OPERATION_NAME]: operation,
      [OtelMetricAttributes.MESSAGING_DESTINATION_NAME]: destination,
    };
    if (subscription !== undefined) {
      attributes[OtelMetricAttributes.MESSAGING_DESTINATION_SUBSCRIPTION_NAME] = subscription;
    }
    return Object.freeze(attributes);
  }

  /** `error.type`: the thrown value's class name (capped), `_OTHER` when it has none. */
  private readonly errorTypeOf = (error: unknown): string => {
    let name: unknown;
    try {
      if (error !== null && typeof error === 'object') {
        name = (Object.getPrototypeOf(error) as { constructor?: { name?: unknown } } | null)
          ?.constructor?.name;
      }
    } catch {
      // A Proxy with a throwing trap has no readable class.
    }
    return typeof name === 'string' && name !== ''
      ? this.errorTypes.value(name)
      : OTEL_ERROR_TYPE_OTHER;
  };
}

/**
 * One operation's measurement: a duration (histogram) or a count (counter) under its
 * attributes when it settles, with `error.type` added when it failed. It is its own outcome
 * observer and the frame's start time is the state, so a successful measurement allocates
 * nothing of its own.
 */
class Measured implements OperationSeries, OutcomeObserver<number> {
  constructor(
    private readonly instrument: Histogram | Counter,
    private readonly timed: boolean,
    private readonly attributes: Attributes,
    private readonly errorTypeOf: (error: unknown) => string,
    private readonly reporter: FailureReporter,
  ) {}

  start(frame: OperationFrame): void {
    frame.watch(this, this.timed ? frame.startedAt : 0);
  }

  report(failure: unknown): void {
    this.reporter.report(SOURCE, failure);
  }

  onSuccess(start: number): void {
    this.measure(start, this.attributes);
  }

  onError(start: number, error: unknown): void {
    this.measure(start, {
      ...this.attributes,
      [OtelMetricAttributes.ERROR_TYPE]: this.errorTypeOf(error),
    });
  }

  private measure(start: number, attributes: Attributes): void {
    if (this.timed) {
      (this.instrument as Histogram).record((performance.now() - start) / 1000, attributes);
    } else {
      (this.instrument as Counter).add(1, attributes);
    }
  }
}

/**
 * Steps of one saga: a step's destination is the event the saga answered, which varies per
 * emission (one saga answers several event types), so the series is chosen per step.
 */
class SagaSteps implements OperationSeries {
  private readonly byEvent = new Map<unknown, Measured>();

  constructor(private readonly create: (eventType: unknown) => Measured) {}

  start(frame: OperationFrame): void {
    const eventType = frame.attributes['event.type'];
    let series = this.byEvent.get(eventType);
    if (series === undefined) {
      series = this.create(eventType);
      // Event types are class names; the bound only guards against generated ones.
      if (this.byEvent.size >= MIN_CACHED_OPERATIONS) this.byEvent.clear();
      this.byEvent.set(eventType, series);
    }
    series.start(frame);
  }
}
