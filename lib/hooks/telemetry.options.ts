import { InvalidObservabilityOptionError } from '../errors/invalid-options.error';
import { assertKnownKeys, signalSwitch } from '../shared/options-validation';
import { type TelemetryPolicy, validateTelemetryPolicy } from './telemetry-policy';

/** A message or handler class, as a key of the `telemetry` option. */
export type TelemetryClass = abstract new (...args: any[]) => unknown;

/**
 * Policies keyed by class — a `Map`, the type-checked way: a renamed or deleted class is a
 * compile error — or by class name: a plain object, for options read from a file.
 */
export type TelemetryPolicyMap =
  ReadonlyMap<TelemetryClass | string, TelemetryPolicy> | Readonly<Record<string, TelemetryPolicy>>;

export interface TelemetryOptions {
  /**
   * Policies of message classes (commands, queries, events): they apply to the message's own
   * operation, to each of its handlers and to the saga step that emits it. A class key matches
   * that class only; a name matches every class of that name.
   * @default none
   */
  messages?: TelemetryPolicyMap;
  /**
   * Policies of handler classes (command, query and event handlers, classes holding sagas),
   * over their messages' policies.
   * @default none
   */
  handlers?: TelemetryPolicyMap;
}

/** One side of the option, keys split by kind. */
export interface TelemetryPolicyTable {
  readonly byClass: ReadonlyMap<object, TelemetryPolicy>;
  readonly byName: ReadonlyMap<string, TelemetryPolicy>;
}

export interface ResolvedTelemetryOptions {
  readonly messages: TelemetryPolicyTable;
  readonly handlers: TelemetryPolicyTable;
}

const EMPTY_TABLE: TelemetryPolicyTable = Object.freeze({
  byClass: new Map<object, TelemetryPolicy>(),
  byName: new Map<string, TelemetryPolicy>(),
});

export function resolveTelemetryOptions(
  value: unknown,
  path = 'telemetry',
): ResolvedTelemetryOptions {
  // `telemetry: false` would read as "no telemetry": each signal has its own switch for that.
  if (value === false) {
    throw new InvalidObservabilityOptionError(
      path,
      'an object or true (turn signals off by their own options)',
      value,
    );
  }
  const options = signalSwitch(value, path) as Record<string, unknown>;
  assertKnownKeys(options, path, ['messages', 'handlers']);
  return Object.freeze({
    messages: resolveTable(options.messages, `${path}.messages`),
    handlers: resolveTable(options.handlers, `${path}.handlers`),
  });
}

/**
 * `tracing.eventHandlerTraceByEvent` is the `trace` field of the events' option policies,
 * written the older way; both at once for one event would leave the winner unclear.
 */
export function withEventHandlerTraces(
  options: ResolvedTelemetryOptions,
  byEvent: Readonly<Record<string, 'child' | 'link'>>,
  path: string,
): ResolvedTelemetryOptions {
  const names = Object.keys(byEvent);
  if (names.length === 0) return options;
  const byName = new Map(options.messages.byName);
  for (const name of names) {
    const existing = byName.get(name) ?? classPolicyNamed(options.messages, name);
    if (existing?.trace !== undefined) {
      throw new InvalidObservabilityOptionError(
        `${path}.${name}`,
        `no entry for an event whose telemetry policy sets "trace" already`,
        byEvent[name],
      );
    }
    byName.set(name, Object.freeze({ ...existing, trace: byEvent[name] }));
  }
  return Object.freeze({
    messages: Object.freeze({ byClass: options.messages.byClass, byName }),
    handlers: options.handlers,
  });
}

function classPolicyNamed(table: TelemetryPolicyTable, name: string): TelemetryPolicy | undefined {
  for (const [type, policy] of table.byClass) {
    if ((type as { name?: unknown }).name === name) return policy;
  }
  return undefined;
}

function resolveTable(value: unknown, path: string): TelemetryPolicyTable {
  if (value === undefined) return EMPTY_TABLE;
  const entries: Array<[unknown, unknown]> =
    value instanceof Map
      ? [...(value as Map<unknown, unknown>).entries()]
      : isPlainObject(value)
        ? Object.entries(value)
        : invalid(path, value);
  const byClass = new Map<object, TelemetryPolicy>();
  const byName = new Map<string, TelemetryPolicy>();
  for (const [key, policy] of entries) {
    if (typeof key === 'function') {
      byClass.set(key, validated(policy, `${path}[${classLabel(key)}]`));
    } else if (typeof key === 'string' && key !== '') {
      byName.set(key, validated(policy, `${path}.${key}`));
    } else {
      throw new InvalidObservabilityOptionError(path, 'keys that are classes or class names', key);
    }
  }
  for (const type of byClass.keys()) {
    const name = (type as { name?: unknown }).name;
    if (typeof name === 'string' && byName.has(name)) {
      throw new InvalidObservabilityOptionError(
        `${path}.${name}`,
        `one entry for ${name} (it is given as a class and as a name)`,
        byName.get(name),
      );
    }
  }
  return Object.freeze({ byClass, byName });
}

function validated(policy: unknown, path: string): TelemetryPolicy {
  return validateTelemetryPolicy(
    policy,
    (field, expected, received) =>
      new InvalidObservabilityOptionError(
        field === '' ? path : `${path}.${field}`,
        expected,
        received,
      ),
  );
}

function invalid(path: string, value: unknown): never {
  throw new InvalidObservabilityOptionError(
    path,
    'a Map of classes (or class names) to policies, or an object keyed by class name',
    value,
  );
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object') return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

function classLabel(type: object): string {
  const name = (type as { name?: unknown }).name;
  return typeof name === 'string' && name !== '' ? name : 'anonymous class';
}
