import { randomUUID } from 'node:crypto';
import { guardClassFields, needsClassFieldGuard } from './class-field-guard';
import { ID_FORMAT_DESCRIPTION, isValidId } from '../shared/id-format';

/** How one family of messages names its envelope fields. */
export interface MessageEnvelope {
  /** Generated when absent. */
  readonly idField: string;
  /** Defaults to now. */
  readonly dateField: string;
  /** Optional ids, checked like `idField` but never generated. */
  readonly optionalIdFields: readonly string[];
  /** Optional free-form strings. */
  readonly optionalStringFields: readonly string[];
  /** All of the above, built once: what a construction skips when copying the own fields. */
  readonly fields: ReadonlySet<string>;
}

function envelope(fields: Omit<MessageEnvelope, 'fields'>): MessageEnvelope {
  const { idField, dateField, optionalIdFields, optionalStringFields } = fields;
  return {
    ...fields,
    fields: new Set([idField, dateField, ...optionalIdFields, ...optionalStringFields]),
  };
}

export const REQUEST_ENVELOPE = envelope({
  idField: 'requestId',
  dateField: 'requestedAt',
  optionalIdFields: ['correlationId'],
  optionalStringFields: ['requestedBy'],
});

export const EVENT_ENVELOPE = envelope({
  idField: 'eventId',
  dateField: 'occurredAt',
  optionalIdFields: ['correlationId'],
  optionalStringFields: [],
});

// A date-time without `Z` or an offset is parsed as *local* time by `Date`, which would make
// the instant depend on the server's time zone; such strings are refused.
const ISO_DATE_TIME =
  /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:\d{2})$/;

/**
 * Copies `props` onto `message` as enumerable, read-only own properties, envelope first, and
 * returns the object the base constructor must return (see `guardClassFields`). The object is
 * left extensible on purpose: @nestjs/cqrs's `AsyncContext.attachTo()` defines a symbol
 * property on it.
 */
export function defineMessageFields<T extends object>(
  message: T,
  props: unknown,
  envelope: MessageEnvelope,
): T {
  const type = message.constructor;
  const className = type.name || 'message';
  const source = readProps(className, props);
  const configurable = needsClassFieldGuard(type);

  defineField(
    configurable,
    message,
    envelope.idField,
    readId(className, envelope.idField, source) ?? randomUUID(),
  );
  for (const field of envelope.optionalIdFields) {
    defineField(configurable, message, field, readId(className, field, source));
  }
  for (const field of envelope.optionalStringFields) {
    defineField(configurable, message, field, readString(className, field, source));
  }
  defineField(
    configurable,
    message,
    envelope.dateField,
    readDate(className, envelope.dateField, source),
  );

  const envelopeFields = envelope.fields;
  for (const key of Object.keys(source)) {
    if (envelopeFields.has(key)) continue;
    // An own property would silently hide a getter or method of the class (`offset`,
    // `toString`, `constructor`) and `__proto__` would not even become a field.
    if (key in message) {
      throw new TypeError(`${className}: prop "${key}" would shadow a member of the class.`);
    }
    defineField(configurable, message, key, source[key]);
  }
  return guardClassFields(message, type);
}

function defineField(configurable: boolean, message: object, key: string, value: unknown): void {
  if (value === undefined) return;
  Object.defineProperty(message, key, { value, enumerable: true, writable: false, configurable });
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
