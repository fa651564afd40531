import {
  AggregationTemporality,
  DataPointType,
  MeterProvider,
  MetricReader,
  type DataPoint,
  type Histogram,
  type MetricData,
} from '@opentelemetry/sdk-metrics';

/** A reader the test collects from when it asks, cumulative, as a scraping backend sees it. */
class CollectingReader extends MetricReader {
  constructor() {
    super({ aggregationTemporalitySelector: () => AggregationTemporality.CUMULATIVE });
  }
  protected override onShutdown(): Promise<void> {
    return Promise.resolve();
  }
  protected override onForceFlush(): Promise<void> {
    return Promise.resolve();
  }
}

export interface MetricsSdk {
  readonly provider: MeterProvider;
  /** Every metric recorded so far, by instrument name. */
  collect(): Promise<Map<string, MetricData>>;
  shutdown(): Promise<void>;
}

/** A real OpenTelemetry SDK MeterProvider read through an in-memory reader. */
export function startMetricsSdk(): MetricsSdk {
  const reader = new CollectingReader();
  const provider = new MeterProvider({ readers: [reader] });
  return {
    provider,
    async collect() {
      const { resourceMetrics, errors } = await reader.collect();
      if (errors.length > 0) throw errors[0];
      const byName = new Map<string, MetricData>();
      for (const scope of resourceMetrics.scopeMetrics) {
        for (const metric of scope.metrics) byName.set(metric.descriptor.name, metric);
      }
      return byName;
    },
    shutdown: () => provider.shutdown(),
  };
}

/** The data points of `name` (none when it was never recorded). */
export function pointsOf(
  metrics: Map<string, MetricData>,
  name: string,
): DataPoint<number | Histogram>[] {
  const metric = metrics.get(name);
  return metric === undefined ? [] : (metric.dataPoints as DataPoint<number | Histogram>[]);
}

/** The one data point whose attributes include `attributes` (fails when none or several). */
export function pointWith(
  metrics: Map<string, MetricData>,
  name: string,
  attributes: Record<string, string>,
): DataPoint<number | Histogram> {
  const found = pointsOf(metrics, name).filter((point) =>
    Object.entries(attributes).every(([key, value]) => point.attributes[key] === value),
  );
  if (found.length !== 1) {
    throw new Error(
      `expected one "${name}" point with ${JSON.stringify(attributes)}, found ${found.length} among ${JSON.stringify(
        pointsOf(metrics, name).map((point) => point.attributes),
      )}`,
    );
  }
  return found[0]!;
}

export function isHistogram(metric: MetricData | undefined): boolean {
  return metric?.dataPointType === DataPointType.HISTOGRAM;
}
