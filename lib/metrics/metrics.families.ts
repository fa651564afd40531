import type { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { FailureReporter } from '../errors/failure-reporter';
import {
  METRIC_HELP,
  METRIC_LABEL_NAMES,
  MetricNames,
  TenantMetricNames,
} from './metrics.constants';
import { InFlightTracker } from './in-flight.tracker';
import { CounterFamily, HistogramFamily, InFlightFamily } from './metrics.series';
import type { SeriesFailureSink } from './series.interfaces';

/** The part of prom-client the metrics signal uses, as `require('prom-client')` returns it. */
export type PromClientModule = Pick<
  typeof import('prom-client'),
  'Counter' | 'Gauge' | 'Histogram' | 'Registry' | 'register'
>;

type MetricName =
  | (typeof MetricNames)[keyof typeof MetricNames]
  | (typeof TenantMetricNames)[keyof typeof TenantMetricNames];
type MetricType = 'counter' | 'gauge' | 'histogram';

export interface MetricFamiliesConfig {
  readonly registry: Registry;
  readonly buckets: readonly number[];
  /** Create the duration and total metrics with exemplars and attach the trace id. */
  readonly exemplars: boolean;
}

/**
 * Every metric of the signal, taken from the registry when it already holds them (a second
 * app in the same process, every Jest suite) and registered otherwise. A metric that cannot
 * be used — registered under our name with another type or other labels, or a registry that
 * refuses it — is reported once and not recorded; the others still are.
 */
export class MetricFamilies {
  readonly messageDuration: HistogramFamily;
  readonly messageTotal: CounterFamily;
  readonly eventHandlerDuration: HistogramFamily;
  readonly eventHandlerTotal: CounterFamily;
  readonly messagesInFlight: InFlightFamily;
  readonly sagaStreamErrors: CounterFamily;
  readonly unhandledExceptions: CounterFamily;
  readonly eventsUnhandled: CounterFamily;
  readonly eventAge: HistogramFamily;

  constructor(
    private readonly promClient: PromClientModule,
    private readonly config: MetricFamiliesConfig,
    private readonly reporter: FailureReporter,
  ) {
    const exemplars = config.exemplars;
    this.messageDuration = this.histogram(MetricNames.MESSAGE_DURATION);
    this.messageTotal = this.counter(MetricNames.MESSAGE_TOTAL, exemplars);
    this.eventHandlerDuration = this.histogram(MetricNames.EVENT_HANDLER_DURATION);
    this.eventHandlerTotal = this.counter(MetricNames.EVENT_HANDLER_TOTAL, exemplars);
    this.messagesInFlight = this.inFlight(MetricNames.MESSAGES_IN_FLIGHT);
    this.sagaStreamErrors = this.counter(MetricNames.SAGA_STREAM_ERRORS, false);
    this.unhandledExceptions = this.counter(MetricNames.UNHANDLED_EXCEPTIONS, false);
    this.eventsUnhandled = this.counter(MetricNames.EVENTS_UNHANDLED, false);
    this.eventAge = this.histogram(MetricNames.EVENT_AGE);
  }

  /**
   * The per-tenant metrics, registered only when `tenant.metricLabel` asks for them, so an
   * app without it has none of their lines in its scrape.
   */
  tenantFamilies(): { readonly duration: HistogramFamily; readonly total: CounterFamily } {
    return {
      duration: this.histogram(TenantMetricNames.MESSAGE_DURATION),
      total: this.counter(TenantMetricNames.MESSAGE_TOTAL, false),
    };
  }

  private histogram(name: MetricName): HistogramFamily {
    const { promClient, config } = this;
    const histogram = this.getOrCreate<Histogram<string>>(name, 'histogram', () => {
      return new promClient.Histogram({
        name,
        help: METRIC_HELP[name],
        labelNames: METRIC_LABEL_NAMES[name],
        buckets: [...config.buckets],
        registers: [config.registry],
        enableExemplars: config.exemplars,
      });
    });
    return new HistogramFamily(histogram, config.exemplars, this.sink(name));
  }

  private counter(name: MetricName, exemplars: boolean): CounterFamily {
    const { promClient, config } = this;
    const counter = this.getOrCreate<Counter<string>>(name, 'counter', () => {
      return new promClient.Counter({
        name,
        help: METRIC_HELP[name],
        labelNames: METRIC_LABEL_NAMES[name],
        registers: [config.registry],
        enableExemplars: exemplars,
      });
    });
    return new CounterFamily(counter, exemplars, this.sink(name));
  }

  private inFlight(name: MetricName): InFlightFamily {
    const { promClient, config } = this;
    const sink = this.sink(name);
    let created: InFlightTracker | undefined;
    const gauge = this.getOrCreate<Gauge<string>>(name, 'gauge', () => {
      const tracker = new InFlightTracker(this.reporter, sink.source);
      const metric = new promClient.Gauge({
        name,
        help: METRIC_HELP[name],
        labelNames: METRIC_LABEL_NAMES[name],
        registers: [config.registry],
        collect(this: Gauge<string>) {
          tracker.collect(this);
        },
      });
      tracker.attach(metric);
      created = tracker;
      return metric;
    });
    const tracker = created ?? (gauge === undefined ? undefined : InFlightTracker.of(gauge));
    return new InFlightFamily(gauge, tracker, sink);
  }

  private getOrCreate<M extends object>(
    name: MetricName,
    type: MetricType,
    create: () => M,
  ): M | undefined {
    const source = `Registering ${name}`;
    try {
      const existing = this.config.registry.getSingleMetric(name) as
        { type?: unknown; labelNames?: unknown } | undefined;
      if (existing === undefined) return create();
      const expected = METRIC_LABEL_NAMES[name];
      if (existing.type === type && sameLabels(existing.labelNames, expected)) return existing as M;
      this.reporter.report(
        source,
        new TypeError(
          `the registry already holds a ${String(existing.type)} "${name}" with labels ` +
            `[${describeLabels(existing.labelNames)}]; expected a ${type} with labels ` +
            `[${expected.join(', ')}], so it is not recorded`,
        ),
      );
      return undefined;
    } catch (error) {
      this.reporter.report(source, error);
      return undefined;
    }
  }

  private sink(name: MetricName): SeriesFailureSink {
    return { reporter: this.reporter, source: `Recording ${name}` };
  }
}

function sameLabels(actual: unknown, expected: readonly string[]): boolean {
  return (
    Array.isArray(actual) &&
    actual.length === expected.length &&
    expected.every((label) => actual.includes(label))
  );
}

function describeLabels(labels: unknown): string {
  return Array.isArray(labels) ? labels.map(String).join(', ') : '';
}
