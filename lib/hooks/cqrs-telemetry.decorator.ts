import { type TelemetryPolicy, validateTelemetryPolicy } from './telemetry-policy';

// Keyed by class: subclasses inherit through the constructor chain, and classes can be collected.
const declared = new WeakMap<object, TelemetryPolicy>();
let declarations = 0;

/**
 * The telemetry policy of a message class (command, query, event) or of a handler class
 * (command, query or event handler, or the class holding a saga): turn a signal off for it, set
 * its log level and slow threshold, pick its handler trace shape. The module's `telemetry`
 * option for the same class wins over this; a handler's policy wins over its message's.
 * Subclasses inherit it, field by field.
 *
 * ```ts
 * @CqrsTelemetry({ tracing: false, logLevel: 'debug', slowThresholdMs: 50 })
 * export class GetStockLevelQuery extends BaseQuery<number> {}
 * ```
 */
export function CqrsTelemetry(policy: TelemetryPolicy): ClassDecorator {
  // Checked here, so a bad field fails when the class is defined, naming both.
  return (target) => declareTelemetryPolicy(target, policy, 'CqrsTelemetry');
}

/**
 * Records `policy` for `target`, merged with what another decorator already declared on the very
 * same class; a field declared twice there is an error (which one is meant?).
 */
export function declareTelemetryPolicy(target: object, policy: unknown, decorator: string): void {
  const name = nameOf(target);
  const valid = validateTelemetryPolicy(
    policy,
    (field, expected, received) =>
      new TypeError(
        `@${decorator}() on ${name}: ${field === '' ? 'the policy' : `"${field}"`} must be ${expected}, received ${describe(received)}`,
      ),
  );
  const existing = declared.get(target);
  if (existing !== undefined) {
    for (const field of Object.keys(valid)) {
      if (field in existing) {
        throw new TypeError(
          `@${decorator}() on ${name}: "${field}" is already declared by another decorator on this class`,
        );
      }
    }
  }
  declared.set(target, Object.freeze({ ...existing, ...valid }));
  declarations++;
}

/** The policy declared on `type` and its decorated bases, nearest first, field by field. */
export function declaredTelemetryPolicy(type: unknown): TelemetryPolicy | undefined {
  if (declarations === 0) return undefined;
  let merged: Record<string, unknown> | undefined;
  try {
    let current: unknown = type;
    while (typeof current === 'function' && current !== Function.prototype) {
      const own = declared.get(current);
      if (own !== undefined) {
        merged ??= {};
        for (const [field, value] of Object.entries(own)) {
          if (!(field in merged)) merged[field] = value;
        }
      }
      current = Object.getPrototypeOf(current);
    }
  } catch {
    // A class whose prototype chain cannot be read keeps what was found so far.
  }
  return merged === undefined ? undefined : (Object.freeze(merged) as TelemetryPolicy);
}

/** Whether any class of the process declared a policy: none means nothing to look up. */
export function anyTelemetryDeclared(): boolean {
  return declarations > 0;
}

function nameOf(target: object): string {
  const name = (target as { name?: unknown }).name;
  return typeof name === 'string' && name !== '' ? name : 'an anonymous class';
}

function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'function') return 'a function';
  if (value === null || typeof value !== 'object') return String(value);
  return Array.isArray(value) ? 'an array' : 'an object';
}
