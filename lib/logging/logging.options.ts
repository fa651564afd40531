import {
  assertKnownKeys,
  optionalBoolean,
  optionalNumber,
  signalSwitch,
} from '../shared/options-validation';

export interface LoggingOptions {
  /**
   * A successful operation that takes at least this many milliseconds logs at warn instead of
   * info (debug for event handlers). `0` makes every success a warning.
   * @default 1000
   */
  slowThresholdMs?: number;
  /** Add the redacted payload to each line as `payload`. @default false */
  payload?: boolean;
  /** Log event handler operations: successes at debug, failures at error. @default true */
  events?: boolean;
}

export interface ResolvedLoggingOptions {
  readonly slowThresholdMs: number;
  readonly payload: boolean;
  readonly events: boolean;
}

export function resolveLoggingOptions(
  value: unknown,
  path = 'logging',
): ResolvedLoggingOptions | false {
  const options = signalSwitch(value, path);
  if (options === false) return false;
  assertKnownKeys(options, path, ['slowThresholdMs', 'payload', 'events']);
  return Object.freeze({
    slowThresholdMs: optionalNumber(options.slowThresholdMs, `${path}.slowThresholdMs`, 1000, {
      min: 0,
    }),
    payload: optionalBoolean(options.payload, `${path}.payload`, false),
    events: optionalBoolean(options.events, `${path}.events`, true),
  });
}
