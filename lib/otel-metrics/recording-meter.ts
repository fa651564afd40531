import { createNoopMeter, metrics, type Meter, type MeterProvider } from '@opentelemetry/api';
import { OTEL_METER_NAME } from './otel-metrics.constants';

/**
 * The meter to record with, or `undefined` when nothing would record: without a registered
 * MeterProvider the API hands out its no-op meter (and never upgrades it later — the metrics
 * API has no proxy like the tracer's), so the signal then stays off instead of paying for
 * measurements nobody sees. Compared with this API copy's no-op meter and by class, so a no-op
 * provider from another copy of `@opentelemetry/api` (an ESM and a CommonJS build) counts too.
 */
export function recordingMeter(provider: MeterProvider | undefined): Meter | undefined {
  const meter = (provider ?? metrics.getMeterProvider()).getMeter(OTEL_METER_NAME);
  const noop = createNoopMeter();
  if (meter === noop) return undefined;
  const constructor = (meter as { constructor?: unknown } | null)?.constructor;
  if (constructor === noop.constructor) return undefined;
  if (typeof constructor === 'function' && constructor.name === noop.constructor.name) {
    return undefined;
  }
  return meter;
}
