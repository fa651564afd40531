import type { MeterProvider } from '@opentelemetry/api';
import { InvalidObservabilityOptionError } from '../errors/invalid-options.error';
import {
  assertKnownKeys,
  optionalMaxMessageTypes,
  signalSwitch,
} from '../shared/options-validation';

export interface OtelMetricsOptions {
  /**
   * Where the instruments come from. Without it, the global one (`metrics.getMeterProvider()`),
   * read once when the module initialises: register the SDK's MeterProvider before the app is
   * created (as for tracing). When no MeterProvider is registered, the signal is off and costs
   * nothing at dispatch.
   * @default the global MeterProvider
   */
  meterProvider?: MeterProvider;
  /**
   * Most distinct `messaging.destination.name` values, (`messaging.destination.name`,
   * `messaging.destination.subscription.name`) pairs and `error.type` values; later ones are
   * recorded as `_other`, and every value is cut to 128 characters — the Prometheus metrics' caps.
   * @default 200
   */
  maxMessageTypes?: number;
}

export interface ResolvedOtelMetricsOptions {
  readonly meterProvider: MeterProvider | undefined;
  readonly maxMessageTypes: number;
  /** Asked for in the options (`true` or an object), not only on by default: a missing provider is then worth a line. */
  readonly explicit: boolean;
}

export function resolveOtelMetricsOptions(
  value: unknown,
  path = 'otelMetrics',
): ResolvedOtelMetricsOptions | false {
  const options = signalSwitch(value, path);
  if (options === false) return false;
  assertKnownKeys(options, path, ['meterProvider', 'maxMessageTypes']);
  const meterProvider = options.meterProvider;
  if (
    meterProvider !== undefined &&
    (meterProvider === null ||
      typeof meterProvider !== 'object' ||
      typeof (meterProvider as { getMeter?: unknown }).getMeter !== 'function')
  ) {
    throw new InvalidObservabilityOptionError(
      `${path}.meterProvider`,
      'an OpenTelemetry MeterProvider (an object with getMeter())',
      meterProvider,
    );
  }
  return Object.freeze({
    meterProvider: meterProvider as MeterProvider | undefined,
    maxMessageTypes: optionalMaxMessageTypes(options.maxMessageTypes, path),
    explicit: value !== undefined,
  });
}
