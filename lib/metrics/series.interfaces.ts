import type { FailureReporter } from '../errors/failure-reporter';

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
