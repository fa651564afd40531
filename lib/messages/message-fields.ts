import { guardClassFields, keepClassFieldGuard, plainClass } from './class-field-guard';
import { ID_FORMAT_DESCRIPTION, isValidId } from '../shared/id-format';
import { uuidV4 } from '../shared/uuid-v4';

/** How one family of messages names its envelope fields. */
export interface MessageEnvelope {
  /** Generated when absent. */
  readonly idField: string;
  /** Defaults to now. */
  readonly dateField: string;
  /** Who asked for it, a free-form string; none for events. */
  readonly byField: string | undefined;
  /** Every envelope field (and `correlationId`): what copying the own fields skips. */
  readonly fields: ReadonlySet<string>;
  /**
   * Stores the values on a message about to be frozen, each by its name: a store whose key is
   * a variable costs several times as much once it has seen a few classes.
   */
  readonly store: (
    message: object,
    id: string,
    correlationId: string | undefined,
    by: string | undefined,
    date: Date,
  ) => void;
}

export const REQUEST_ENVELOPE: MessageEnvelope = {
  idField: 'requestId',
  dateField: 'requestedAt',
  byField: 'requestedBy',
  fields: new Set(['requestId', 'correlationId', 'requestedBy', 'requestedAt']),
  store: (message, id, correlationId, by, date) => {
    const request = message as Record<string, unknown>;
    request.requestId = id;
    if (correlationId !== undefined) request.correlationId = correlationId;
    if (by !== undefined) request.requestedBy = by;
    request.requestedAt = date;
  },
};

export const EVENT_ENVELOPE: MessageEnvelope = {
  idField: 'eventId',
  dateField: 'occurredAt',
  byField: undefined,
  fields: new Set(['eventId', 'correlationId', 'occurredAt']),
  store: (message, id, correlationId, _by, date) => {
    const event = message as Record<string, unknown>;
    event.eventId = id;
    if (correlationId !== undefined) event.correlationId = correlationId;
    event.occurredAt = date;
  },
};

// A date-time without `Z` or an offset is parsed as *local* time by `Date`, which would make
// the instant depend on the server's time zone; such strings are refused.
const ISO_DATE_TIME =
  /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:\d{2})$/;

/**
 * Copies `props` onto `message` as enumerable, read-only own properties, envelope first, and
 * returns the object the base constructor must return (see `guardClassFields`).
 *
 * Once a class is known to define no fields of its own (from its second instance on, see
 * class-field-guard.ts), its instances are assigned and frozen: one `Object.freeze` makes
 * every field read-only for a fraction of what one `Object.defineProperty` per field costs. A
 * frozen message still takes @nestjs/cqrs's `AsyncContext` (async-context-slot.ts).
 */
export function defineMessageFields<T extends object>(
  message: T,
  props: unknown,
  envelope: MessageEnvelope,
): T {
  const type = message.constructor;
  const className = type.name || 'message';
  const source = readProps(className, props);
  // A generated id comes from the CSPRNG pool every generated id of the library uses.
  const id = readId(className, envelope.idField, source) ?? uuidV4();
  const correlationId = readId(className, 'correlationId', source);
  const by =
    envelope.byField === undefined ? undefined : readString(className, envelope.byField, source);
  const date = readDate(className, envelope.dateField, source);
  const keys = Object.keys(source);
  const plain = plainClass(type);
  let everyPropDefined = true;
  if (plain !== undefined && sameKeys(plain.checkedKeys, keys)) {
    // The props of the class's last construction again (the usual case): checked then.
    for (let i = 0; i < keys.length; i++) {
      if (source[keys[i]!] === undefined) everyPropDefined = false;
    }
  } else {
    for (const key of keys) {
      if (source[key] === undefined) everyPropDefined = false;
      if (envelope.fields.has(key)) continue;
      // An own property would silently hide a getter or method of the class (`offset`,
      // `toString`, `constructor`) and `__proto__` would not even become a field.
      if (key in message) {
        throw new TypeError(`${className}: prop "${key}" would shadow a member of the class.`);
      }
    }
    if (plain !== undefined) plain.checkedKeys = keys;
  }

  if (plain !== undefined) {
    envelope.store(message, id, correlationId, by, date);
    const fields = message as Record<string, unknown>;
    if (everyPropDefined) {
      // The own fields in one builtin call; the envelope's fields, already in place, keep
      // their order, and the date its checked copy.
      Object.assign(fields, source);
      if (source[envelope.dateField] !== undefined) fields[envelope.dateField] = date;
    } else {
      for (const key of keys) {
        if (!envelope.fields.has(key) && source[key] !== undefined) fields[key] = source[key];
      }
    }
    return Object.freeze(message);
  }

  // The first instance of a class, or one whose class defines fields: each field is defined
  // configurable, for the guard to let a class field's definition through.
  if (envelopeShadowsMember(message, envelope)) keepClassFieldGuard(type);
  defineConfigurable(message, envelope.idField, id);
  defineConfigurable(message, 'correlationId', correlationId);
  if (envelope.byField !== undefined) defineConfigurable(message, envelope.byField, by);
  defineConfigurable(message, envelope.dateField, date);
  for (const key of keys) {
    if (!envelope.fields.has(key)) defineConfigurable(message, key, source[key]);
  }
  return guardClassFields(message, type);
}

/** Whether two key lists hold the same keys in the same order. */
function sameKeys(checked: readonly string[] | undefined, keys: readonly string[]): boolean {
  if (checked === undefined || checked.length !== keys.length) return false;
  for (let i = 0; i < keys.length; i++) if (checked[i] !== keys[i]) return false;
  return true;
}

/**
 * Whether the class has a member named like an envelope field (a getter, a setter): a plain
 * store would call it instead of defining the field, so such a class keeps its guard.
 */
function envelopeShadowsMember(message: object, envelope: MessageEnvelope): boolean {
  for (const field of envelope.fields) if (field in message) return true;
  return false;
}

function defineConfigurable(message: object, key: string, value: unknown): void {
  if (value === undefined) return;
  Object.defineProperty(message, key, {
    value,
    enumerable: true,
    writable: false,
    configurable: true,
  });
}

function readProps(className: string, props: unknown): Readonly<Record<string, unknown>> {
  if (props === undefined) return {};
  if (typeof props !== 'object' || props === null || Array.isArray(props)) {
    throw new TypeError(
      `${className} must be constructed from one props object, received ${describeType(props)}.`,
    );
  }
  return props as Readonly<Record<string, unknown>>;
}

// Error messages name the field and the type received, never the value: a badly placed
// secret must not end up in a log through an exception.
function readId(
  className: string,
  field: string,
  source: Readonly<Record<string, unknown>>,
): string | undefined {
  const value = source[field];
  if (value === undefined) return undefined;
  if (!isValidId(value)) {
    throw new TypeError(
      `${className}.${field} must be a string of ${ID_FORMAT_DESCRIPTION}, received ${describeType(value)}.`,
    );
  }
  return value;
}

function readString(
  className: string,
  field: string,
  source: Readonly<Record<string, unknown>>,
): string | undefined {
  const value = source[field];
  if (value === undefined || typeof value === 'string') return value;
  throw new TypeError(`${className}.${field} must be a string, received ${describeType(value)}.`);
}

function readDate(
  className: string,
  field: string,
  source: Readonly<Record<string, unknown>>,
): Date {
  const value = source[field];
  if (value === undefined) return new Date();
  // A copy, so the caller mutating its own Date later cannot move the message's timestamp.
  let date: Date | undefined;
  if (value instanceof Date) date = new Date(value.getTime());
  else if (typeof value === 'string' && isIsoDateTime(value)) date = new Date(value);
  if (date === undefined || Number.isNaN(date.getTime())) {
    throw new TypeError(
      `${className}.${field} must be a valid Date or an ISO 8601 date-time with a time zone, received ${describeInvalidDate(value)}.`,
    );
  }
  return date;
}

function isIsoDateTime(value: string): boolean {
  if (!ISO_DATE_TIME.test(value)) return false;
  // `Date` rolls 2024-02-30 over to March 1st instead of refusing it.
  const year = Number(value.slice(0, 4));
  const month = Number(value.slice(5, 7));
  const day = Number(value.slice(8, 10));
  const calendarDay = new Date(Date.UTC(year, month - 1, day));
  return calendarDay.getUTCMonth() === month - 1 && calendarDay.getUTCDate() === day;
}

function describeInvalidDate(value: unknown): string {
  if (value instanceof Date) return 'an invalid Date';
  return typeof value === 'string' ? 'a string that is not one' : describeType(value);
}

function describeType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  const type = typeof value;
  if (type === 'undefined') return type;
  return type === 'object' ? 'an object' : `a ${type}`;
}
