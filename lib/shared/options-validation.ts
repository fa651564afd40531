import { InvalidObservabilityOptionError } from '../errors/invalid-options.error';

/** Small checks shared by every signal's options resolver; each names the option path. */
export function assertPlainObject(
  value: unknown,
  path: string,
): asserts value is Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new InvalidObservabilityOptionError(path, 'an object', value);
  }
}

export function assertKnownKeys(
  value: Record<string, unknown>,
  path: string,
  known: readonly string[],
): void {
  for (const key of Object.keys(value)) {
    if (!known.includes(key)) {
      const option = path ? `${path}.${key}` : key;
      throw new InvalidObservabilityOptionError(
        option,
        `one of the known options (${known.join(', ')})`,
        key,
      );
    }
  }
}

export function optionalBoolean(value: unknown, path: string, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  if (typeof value !== 'boolean')
    throw new InvalidObservabilityOptionError(path, 'a boolean', value);
  return value;
}

export function optionalNumber(
  value: unknown,
  path: string,
  fallback: number,
  { min = -Infinity, max = Infinity, integer = false } = {},
): number {
  if (value === undefined) return fallback;
  const valid =
    typeof value === 'number' &&
    Number.isFinite(value) &&
    value >= min &&
    value <= max &&
    (!integer || Number.isInteger(value));
  if (!valid) {
    const kind = integer ? 'an integer' : 'a number';
    const range = max === Infinity ? `>= ${min}` : `between ${min} and ${max}`;
    throw new InvalidObservabilityOptionError(path, `${kind} ${range}`, value);
  }
  return value;
}

export function optionalFunction<T extends (...args: any[]) => any>(
  value: unknown,
  path: string,
): T | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'function')
    throw new InvalidObservabilityOptionError(path, 'a function', value);
  return value as T;
}

export function optionalOneOf<T extends string>(
  value: unknown,
  path: string,
  allowed: readonly T[],
  fallback: T,
): T {
  if (value === undefined) return fallback;
  if (typeof value !== 'string' || !allowed.includes(value as T)) {
    throw new InvalidObservabilityOptionError(
      path,
      `one of ${allowed.map((a) => `'${a}'`).join(', ')}`,
      value,
    );
  }
  return value as T;
}

/** `false` turns a signal off, `true` or `undefined` means its defaults, an object configures it. */
export function signalSwitch(value: unknown, path: string): false | Record<string, unknown> {
  if (value === false) return false;
  if (value === undefined || value === true) return {};
  assertPlainObject(value, path);
  return value;
}

/** `maxMessageTypes` of a metrics signal: the per-dimension label cap, 200 unless given. */
export function optionalMaxMessageTypes(value: unknown, path: string): number {
  return optionalNumber(value, `${path}.maxMessageTypes`, 200, {
    min: 1,
    max: 100_000,
    integer: true,
  });
}
