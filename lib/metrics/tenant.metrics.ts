import type { FailureReporter } from '../errors/failure-reporter';
import type { OperationFrame, OutcomeObserver } from '../hooks/operation-frame';
import { LabelValueLimiter } from '../shared/label-value-limiter';
import { MetricLabels, MetricOutcomes, OTHER_LABEL_VALUE } from './metrics.constants';
import type { CounterFamily, HistogramFamily } from './metrics.series';
import type { CounterSeries, HistogramSeries } from './series.interfaces';

/** The operations counted per tenant: each unit of work once (not the event publish). */
export const TENANT_METRIC_OPERATIONS: readonly string[] = Object.freeze([
  'command.execute.*',
  'query.execute.*',
  'event.handler.*',
  'saga.run.*',
]);

const KINDS: ReadonlySet<unknown> = new Set(['command', 'query', 'event', 'saga']);

interface TenantSeries {
  readonly successDuration: HistogramSeries;
  readonly successTotal: CounterSeries;
  readonly errorDuration: HistogramSeries;
  readonly errorTotal: CounterSeries;
}

interface Timing {
  readonly series: TenantSeries;
  readonly start: number;
}

/**
 * `cqrs_tenant_messages_total` and `cqrs_tenant_message_duration_seconds` by (`kind`,
 * `tenant`, `outcome`). Kept apart from `cqrs_message_*`, whose label set stays the same
 * whether tenants are counted or not (dashboards, a registry shared by two apps). Tenant ids
 * are the one label value that comes from outside, so they are capped: the first
 * `maxMetricTenants` distinct ids pass, later ones are `_other`; series stay at most
 * 4 kinds × (cap + 1) tenants × 2 outcomes.
 */
export class TenantMetricsRecorder implements OutcomeObserver<Timing> {
  private readonly tenants: LabelValueLimiter;
  private readonly byKey = new Map<string, TenantSeries>();

  constructor(
    private readonly families: {
      readonly duration: HistogramFamily;
      readonly total: CounterFamily;
    },
    maxTenants: number,
    private readonly reporter: FailureReporter,
  ) {
    this.tenants = new LabelValueLimiter(maxTenants);
  }

  /** As the chain reaches it: an operation with a tenant is watched to its end. */
  start(frame: OperationFrame): void {
    const tenant = frame.attributes.tenant_id;
    if (tenant === undefined) return;
    const kind = frame.descriptor.kind;
    const label = KINDS.has(kind) ? (kind as string) : OTHER_LABEL_VALUE;
    frame.watch(this, { series: this.seriesFor(label, tenant), start: frame.startedAt });
  }

  report(failure: unknown): void {
    this.reporter.report('Recording CQRS tenant metrics', failure);
  }

  onSuccess(timing: Timing): void {
    const seconds = (performance.now() - timing.start) / 1000;
    timing.series.successDuration.observe(seconds, undefined);
    timing.series.successTotal.inc(undefined);
  }

  onError(timing: Timing): void {
    const seconds = (performance.now() - timing.start) / 1000;
    timing.series.errorDuration.observe(seconds, undefined);
    timing.series.errorTotal.inc(undefined);
  }

  private seriesFor(kind: string, rawTenant: string): TenantSeries {
    const tenant = this.tenants.value(rawTenant);
    // NUL appears in neither a kind nor a tenant id: the key is unambiguous.
    const key = `${kind}\u0000${tenant}`;
    let series = this.byKey.get(key);
    if (series === undefined) {
      const { duration, total } = this.families;
      const labels = { [MetricLabels.KIND]: kind, [MetricLabels.TENANT]: tenant };
      const success = { ...labels, [MetricLabels.OUTCOME]: MetricOutcomes.SUCCESS };
      const error = { ...labels, [MetricLabels.OUTCOME]: MetricOutcomes.ERROR };
      for (const outcome of [success, error]) {
        total.zero(outcome);
        duration.zero(outcome);
      }
      series = {
        successDuration: duration.seriesFor(success),
        successTotal: total.seriesFor(success),
        errorDuration: duration.seriesFor(error),
        errorTotal: total.seriesFor(error),
      };
      // Bounded by the caps: kinds × (tenants + `_other`).
      this.byKey.set(key, series);
    }
    return series;
  }
}
