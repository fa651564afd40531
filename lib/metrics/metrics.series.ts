import type { Counter, Gauge, Histogram } from 'prom-client';
import type { FailureReporter } from '../errors/failure-reporter';
import type { InFlightTracker } from './in-flight.tracker';
import { MetricLabels } from './metrics.constants';

/** Exemplar labels of one observation: the trace it belongs to. */
export type ExemplarLabels = Readonly<Record<string, string>>;

/**
 * One labelled series of a counter. Implementations never throw: a failing metric is
 * reported (rate-limited) and the dispatch goes on.
 */
export interface CounterSeries {
  inc(exemplar: ExemplarLabels | undefined): void;
}

/** One labelled series of a histogram; never throws. */
export interface HistogramSeries {
  observe(seconds: number, exemplar: ExemplarLabels | undefined): void;
}

/** One labelled series of a gauge; never throws. */
export interface GaugeSeries {
  inc(): void;
  dec(): void;
}

/** Where a series reports its failures. */
export interface SeriesFailureSink {
  readonly reporter: FailureReporter;
  /** `Recording <metric name>`: one rate-limited report source per metric. */
  readonly source: string;
}

type Labels = Record<string, string>;

/** Stands in for a metric that could not be registered: recording it is a no-op. */
export const NOOP_SERIES: CounterSeries & HistogramSeries & GaugeSeries = Object.freeze({
  inc: () => undefined,
  dec: () => undefined,
  observe: () => undefined,
});

/** A counter through its cached child: no label object per call. */
class ChildCounterSeries implements CounterSeries {
  constructor(
    private readonly child: Counter.Internal,
    private readonly sink: SeriesFailureSink,
  ) {}

  inc(): void {
    try {
      this.child.inc();
    } catch (error) {
      this.sink.reporter.report(this.sink.source, error);
    }
  }
}

/**
 * A counter created with `enableExemplars`: prom-client only accepts the object form there
 * (its children would bind the labels as the options object).
 */
class ExemplarCounterSeries implements CounterSeries {
  constructor(
    private readonly counter: Counter<string>,
    private readonly labels: Labels,
    private readonly attach: boolean,
    private readonly sink: SeriesFailureSink,
  ) {}

  inc(exemplar: ExemplarLabels | undefined): void {
    try {
      this.counter.inc({
        labels: this.labels,
        value: 1,
        exemplarLabels: this.attach ? (exemplar as Labels | undefined) : undefined,
      });
    } catch (error) {
      this.sink.reporter.report(this.sink.source, error);
    }
  }
}

class ChildHistogramSeries implements HistogramSeries {
  constructor(
    private readonly child: Histogram.Internal<string>,
    private readonly sink: SeriesFailureSink,
  ) {}

  observe(seconds: number): void {
    try {
      this.child.observe(seconds);
    } catch (error) {
      this.sink.reporter.report(this.sink.source, error);
    }
  }
}

class ExemplarHistogramSeries implements HistogramSeries {
  constructor(
    private readonly histogram: Histogram<string>,
    private readonly labels: Labels,
    private readonly sink: SeriesFailureSink,
  ) {}

  observe(seconds: number, exemplar: ExemplarLabels | undefined): void {
    try {
      this.histogram.observe({
        labels: this.labels,
        value: seconds,
        exemplarLabels: exemplar as Labels | undefined,
      });
    } catch (error) {
      this.sink.reporter.report(this.sink.source, error);
    }
  }
}

class ChildGaugeSeries implements GaugeSeries {
  constructor(
    private readonly child: Gauge.Internal<string>,
    private readonly sink: SeriesFailureSink,
  ) {}

  inc(): void {
    try {
      this.child.inc();
    } catch (error) {
      this.sink.reporter.report(this.sink.source, error);
    }
  }

  dec(): void {
    try {
      this.child.dec();
    } catch (error) {
      this.sink.reporter.report(this.sink.source, error);
    }
  }
}

/**
 * A registered counter (or none, when it could not be registered) and how to record it.
 * `seriesFor` runs once per label set (the caller caches the series), so its allocations stay
 * off the dispatch path.
 */
export class CounterFamily {
  private readonly exemplarForm: boolean;

  constructor(
    private readonly counter: Counter<string> | undefined,
    private readonly attachExemplars: boolean,
    private readonly sink: SeriesFailureSink,
  ) {
    this.exemplarForm = hasExemplarsEnabled(counter);
  }

  seriesFor(labels: Labels): CounterSeries {
    if (this.counter === undefined) return NOOP_SERIES;
    try {
      if (this.exemplarForm) {
        return new ExemplarCounterSeries(this.counter, labels, this.attachExemplars, this.sink);
      }
      return new ChildCounterSeries(this.counter.labels(labels), this.sink);
    } catch (error) {
      this.sink.reporter.report(this.sink.source, error);
      return NOOP_SERIES;
    }
  }

  /** Creates the series at 0, so the first increment is seen by `rate()` and `increase()`. */
  zero(labels: Labels): void {
    this.add(labels, 0);
  }

  /** For rare notices: records without caching a series. */
  inc(labels: Labels): void {
    this.add(labels, 1);
  }

  private add(labels: Labels, value: number): void {
    if (this.counter === undefined) return;
    try {
      if (this.exemplarForm) this.counter.inc({ labels, value });
      else this.counter.inc(labels, value);
    } catch (error) {
      this.sink.reporter.report(this.sink.source, error);
    }
  }
}

export class HistogramFamily {
  private readonly exemplarForm: boolean;

  constructor(
    private readonly histogram: Histogram<string> | undefined,
    attachExemplars: boolean,
    private readonly sink: SeriesFailureSink,
  ) {
    // A histogram's child records fine whether exemplars are enabled or not; the object
    // form is only needed to attach one.
    this.exemplarForm = attachExemplars && hasExemplarsEnabled(histogram);
  }

  /** Creates the series with empty buckets, so its first observation is seen by `rate()`. */
  zero(labels: Labels): void {
    if (this.histogram === undefined) return;
    try {
      this.histogram.zero(labels);
    } catch (error) {
      this.sink.reporter.report(this.sink.source, error);
    }
  }

  seriesFor(labels: Labels): HistogramSeries {
    if (this.histogram === undefined) return NOOP_SERIES;
    try {
      if (this.exemplarForm) return new ExemplarHistogramSeries(this.histogram, labels, this.sink);
      return new ChildHistogramSeries(this.histogram.labels(labels), this.sink);
    } catch (error) {
      this.sink.reporter.report(this.sink.source, error);
      return NOOP_SERIES;
    }
  }
}

/**
 * The in-flight gauge. When this library created it, counts live in an `InFlightTracker` and
 * reach the gauge at scrape time; a gauge the application registered itself is updated
 * through its children.
 */
export class InFlightFamily {
  constructor(
    private readonly gauge: Gauge<string> | undefined,
    private readonly tracker: InFlightTracker | undefined,
    private readonly sink: SeriesFailureSink,
  ) {}

  seriesFor(kind: string): GaugeSeries {
    if (this.tracker !== undefined) return this.tracker.slotFor(kind);
    if (this.gauge === undefined) return NOOP_SERIES;
    try {
      return new ChildGaugeSeries(this.gauge.labels({ [MetricLabels.KIND]: kind }), this.sink);
    } catch (error) {
      this.sink.reporter.report(this.sink.source, error);
      return NOOP_SERIES;
    }
  }
}

function hasExemplarsEnabled(metric: object | undefined): boolean {
  return (metric as { enableExemplars?: unknown } | undefined)?.enableExemplars === true;
}
