/** Whether an event handler's span continues the publisher's trace or starts one linked to it. */
export type HandlerTraceShape = 'child' | 'link';

/** Levels a successful operation's log line may be written at. */
export type TelemetryLogLevel = 'debug' | 'info' | 'warn';

/**
 * What the built-in signals do for one message type or one handler, as `@CqrsTelemetry()` and
 * the `telemetry` module option write it. Every field is optional: an unset field is decided by
 * the next layer down (see `TelemetryPolicies`). A policy narrows the module's signals, it never
 * widens them: `tracing: true` cannot trace when the module's `tracing` is `false`.
 */
export interface TelemetryPolicy {
  /** Spans for this type's operations. Off: none, and what it dispatches nests under the caller's. @default true */
  tracing?: boolean;
  /** The redacted payload on its span, its log line (with `logging.payload`) and its Sentry context. @default true */
  payload?: boolean;
  /** Its Prometheus series, including their zero values at bootstrap. @default true */
  metrics?: boolean;
  /** Its log lines (and its unhandled-event line). @default true */
  logs?: boolean;
  /** Its failures to Sentry. @default true */
  sentry?: boolean;
  /** Level of a successful line; failures stay at error, slow ones at warn. @default info (debug for event handlers) */
  logLevel?: TelemetryLogLevel;
  /** A success this slow or slower is logged at warn. @default logging.slowThresholdMs */
  slowThresholdMs?: number;
  /** Event handler spans: `'child'` of the publish span or `'link'`ed from a new trace. @default tracing.eventHandlerTrace */
  trace?: HandlerTraceShape;
}

/**
 * A policy with every field decided: what a signal reads at the entry of an operation. Frozen,
 * one object per message class (and handler), shared by every dispatch. `undefined` in the last
 * three fields means "the signal's own option".
 */
export interface ResolvedTelemetryPolicy {
  readonly tracing: boolean;
  readonly payload: boolean;
  readonly metrics: boolean;
  readonly logs: boolean;
  readonly sentry: boolean;
  readonly logLevel: TelemetryLogLevel | undefined;
  readonly slowThresholdMs: number | undefined;
  readonly trace: HandlerTraceShape | undefined;
}

/** Every signal on, every setting the signal's own: the policy of a type nobody configured. */
export const DEFAULT_TELEMETRY_POLICY: ResolvedTelemetryPolicy = Object.freeze({
  tracing: true,
  payload: true,
  metrics: true,
  logs: true,
  sentry: true,
  logLevel: undefined,
  slowThresholdMs: undefined,
  trace: undefined,
});

export const TELEMETRY_POLICY_FIELDS = [
  'tracing',
  'payload',
  'metrics',
  'logs',
  'sentry',
  'logLevel',
  'slowThresholdMs',
  'trace',
] as const satisfies readonly (keyof TelemetryPolicy)[];

const SWITCHES = ['tracing', 'payload', 'metrics', 'logs', 'sentry'] as const;
const LOG_LEVELS: readonly TelemetryLogLevel[] = ['debug', 'info', 'warn'];
const SHAPES: readonly HandlerTraceShape[] = ['child', 'link'];

/** Reports an invalid field: `field` is the policy's key (or '' for the policy itself). */
export type PolicyFieldError = (field: string, expected: string, received: unknown) => Error;

/**
 * Checks a policy as written and returns a frozen copy holding only the fields it sets; the
 * first bad field is reported through `fail`, named.
 */
export function validateTelemetryPolicy(value: unknown, fail: PolicyFieldError): TelemetryPolicy {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw fail('', 'an object', value);
  }
  const given = value as Record<string, unknown>;
  const policy: Record<string, unknown> = {};
  for (const key of Object.keys(given)) {
    if (!(TELEMETRY_POLICY_FIELDS as readonly string[]).includes(key)) {
      throw fail(key, `one of the known fields (${TELEMETRY_POLICY_FIELDS.join(', ')})`, key);
    }
    const field = given[key];
    if (field === undefined) continue;
    if ((SWITCHES as readonly string[]).includes(key)) {
      if (typeof field !== 'boolean') throw fail(key, 'a boolean', field);
    } else if (key === 'logLevel') {
      if (!LOG_LEVELS.includes(field as TelemetryLogLevel)) {
        throw fail(key, `one of ${LOG_LEVELS.map((l) => `'${l}'`).join(', ')}`, field);
      }
    } else if (key === 'trace') {
      if (!SHAPES.includes(field as HandlerTraceShape)) {
        throw fail(key, `one of ${SHAPES.map((s) => `'${s}'`).join(', ')}`, field);
      }
    } else if (typeof field !== 'number' || !Number.isFinite(field) || field < 0) {
      throw fail(key, 'a number >= 0', field);
    }
    policy[key] = field;
  }
  return Object.freeze(policy) as TelemetryPolicy;
}

/**
 * Field by field, the first layer that sets a field decides it; the defaults decide the rest.
 * `layers` are highest precedence first.
 */
export function mergeTelemetryPolicies(
  layers: readonly (TelemetryPolicy | undefined)[],
): ResolvedTelemetryPolicy {
  if (layers.every((layer) => layer === undefined)) return DEFAULT_TELEMETRY_POLICY;
  const merged: Record<string, unknown> = { ...DEFAULT_TELEMETRY_POLICY };
  for (const field of TELEMETRY_POLICY_FIELDS) {
    for (const layer of layers) {
      const value = layer?.[field];
      if (value !== undefined) {
        merged[field] = value;
        break;
      }
    }
  }
  return Object.freeze(merged) as unknown as ResolvedTelemetryPolicy;
}
