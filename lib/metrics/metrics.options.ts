import { InvalidObservabilityOptionError } from '../errors/invalid-options.error';
import {
  assertKnownKeys,
  optionalBoolean,
  optionalMaxMessageTypes,
  signalSwitch,
} from '../shared/options-validation';

/** Histogram buckets of `cqrs_message_duration_seconds`, in seconds. */
export const DEFAULT_DURATION_BUCKETS: readonly number[] = Object.freeze([
  0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10,
]);

export interface MetricsOptions {
  /**
   * prom-client `Registry` to register the metrics in. Metrics already in it under the same
   * name (a second app in the same process) are reused, not registered twice.
   * @default prom-client's default registry (the one `PrometheusModule` serves)
   */
  registry?: object;
  /**
   * Most distinct values per label dimension (`message_type`, `saga`, `cause_type`) and most
   * distinct (`event_type`, `handler`) pairs of the event handler series; later values (pairs)
   * are labelled `_other`. Every label value is also cut to 128 characters, ending `...`.
   * @default 200
   */
  maxMessageTypes?: number;
  /**
   * Attach the active trace id (`trace_id`) as an exemplar to `cqrs_message_*` and
   * `cqrs_event_handler_*` observations. Needs a registry set to OpenMetrics
   * (`registry.setContentType(Registry.OPENMETRICS_CONTENT_TYPE)`); on any other registry the
   * metrics are recorded without exemplars and one startup line says so.
   * @default false
   */
  exemplars?: boolean;
  /** Histogram buckets in seconds. @default DEFAULT_DURATION_BUCKETS */
  buckets?: number[];
}

export interface ResolvedMetricsOptions {
  readonly registry: object | undefined;
  readonly maxMessageTypes: number;
  readonly exemplars: boolean;
  readonly buckets: readonly number[];
}

export function resolveMetricsOptions(
  value: unknown,
  path = 'metrics',
): ResolvedMetricsOptions | false {
  const options = signalSwitch(value, path);
  if (options === false) return false;
  assertKnownKeys(options, path, ['registry', 'maxMessageTypes', 'exemplars', 'buckets']);
  const { registry, buckets } = options;
  if (registry !== undefined && !isRegistryLike(registry)) {
    throw new InvalidObservabilityOptionError(
      `${path}.registry`,
      'a prom-client Registry',
      registry,
    );
  }
  if (
    buckets !== undefined &&
    (!Array.isArray(buckets) ||
      buckets.length === 0 ||
      buckets.some(
        (b, i) => typeof b !== 'number' || !(b > 0) || (i > 0 && b <= (buckets[i - 1] as number)),
      ))
  ) {
    throw new InvalidObservabilityOptionError(
      `${path}.buckets`,
      'increasing positive numbers',
      buckets,
    );
  }
  return Object.freeze({
    registry: registry as object | undefined,
    maxMessageTypes: optionalMaxMessageTypes(options.maxMessageTypes, path),
    exemplars: optionalBoolean(options.exemplars, `${path}.exemplars`, false),
    buckets: Object.freeze([...((buckets as number[] | undefined) ?? DEFAULT_DURATION_BUCKETS)]),
  });
}

function isRegistryLike(value: unknown): boolean {
  if (value === null || typeof value !== 'object') return false;
  const { getSingleMetric, registerMetric } = value as Record<string, unknown>;
  return typeof getSingleMetric === 'function' && typeof registerMetric === 'function';
}
