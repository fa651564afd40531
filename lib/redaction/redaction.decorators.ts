/** What a decorator asks the redaction policy to do with a field. */
export type FieldAction = 'redact' | 'hash';

/** A message field copied onto the span as an attribute. */
export interface TraceAttributeField {
  /** The property on the message. */
  readonly property: string;
  /** The span attribute key it is written to. */
  readonly attribute: string;
}

/** A message field written on every signal as part of the audit record. */
export interface AuditField {
  /** The property on the message. */
  readonly property: string;
  /** Its name in the audit record: `audit.<name>` on spans, `audit.<name>` in logs. */
  readonly name: string;
}

interface FieldMetadata {
  redact: boolean;
  hash: boolean;
  traceAttribute: string | undefined;
  audit: string | undefined;
}

interface ClassMetadata {
  readonly version: number;
  /** `undefined` when no field is redacted or hashed, so the walker can skip the lookup. */
  readonly actions: ReadonlyMap<string, FieldAction> | undefined;
  readonly traceFields: ReadonlyArray<TraceAttributeField>;
  readonly auditFields: ReadonlyArray<AuditField>;
}

// Keyed by prototype rather than stored with reflect-metadata: nothing depends on the global
// Reflect polyfill being loaded first, and a WeakMap lets classes be collected.
const ownFieldMetadata = new WeakMap<object, Map<string, FieldMetadata>>();
const resolvedMetadata = new WeakMap<object, ClassMetadata>();

// Bumped on every decoration so a cached resolution made before a decorator ran (a base class
// resolved before a subclass was defined, or a decorator applied by hand) is recomputed.
let metadataVersion = 0;

const EMPTY_TRACE_FIELDS: ReadonlyArray<TraceAttributeField> = Object.freeze([]);
const EMPTY_AUDIT_FIELDS: ReadonlyArray<AuditField> = Object.freeze([]);

// Until some class marks a field `@Audit()`, no signal needs to look a message's class up.
let auditDeclared = false;
const AUDIT_NAME = /^[A-Za-z0-9_.-]{1,64}$/;

/**
 * Always replaces this field by `***` in payloads, logs and Sentry contexts, wherever an
 * instance of the class appears in a payload. `@Hash()` on the same field wins.
 */
export function Redact(): PropertyDecorator {
  return (target, propertyKey) => {
    const metadata = ownMetadataFor(target, propertyKey);
    if (metadata) metadata.redact = true;
  };
}

/**
 * Always replaces this field by `sha256:<hex>` of its value, wherever an instance of the class
 * appears in a payload. Wins over `@Redact()` and over sensitive-field rules.
 */
export function Hash(): PropertyDecorator {
  return (target, propertyKey) => {
    const metadata = ownMetadataFor(target, propertyKey);
    if (metadata) metadata.hash = true;
  };
}

/**
 * Copies this field onto the message's span as an attribute, after redaction (a field that is
 * redacted by a rule or by `@Redact()` is written as `***`).
 *
 * @param name the attribute key; defaults to `cqrs.message.<propertyKey>`.
 */
export function TraceAttribute(name?: string): PropertyDecorator {
  if (name !== undefined && (typeof name !== 'string' || name.length === 0)) {
    throw new TypeError('@TraceAttribute(name) expects a non-empty string name.');
  }
  return (target, propertyKey) => {
    const metadata = ownMetadataFor(target, propertyKey);
    if (metadata && typeof propertyKey === 'string') {
      metadata.traceAttribute = name ?? `cqrs.message.${propertyKey}`;
    }
  };
}

/**
 * Puts this field in the message's audit record — "who did what" — on every signal: the span
 * (attribute `audit.<name>`), the log line (object `audit`) and the Sentry event (context
 * `audit`). The value goes through the redaction policy first: a field that is also `@Redact()`
 * or `@Hash()`, matches a sensitive-field rule, or holds secret-shaped text comes out redacted.
 *
 * @param name the field's name in the record; defaults to the property name. 1 to 64
 *   characters of `[A-Za-z0-9_.-]`.
 */
export function Audit(name?: string): PropertyDecorator {
  if (name !== undefined && (typeof name !== 'string' || !AUDIT_NAME.test(name))) {
    throw new TypeError('@Audit(name) expects a name of 1 to 64 characters of [A-Za-z0-9_.-].');
  }
  return (target, propertyKey) => {
    const metadata = ownMetadataFor(target, propertyKey);
    if (metadata && typeof propertyKey === 'string') {
      metadata.audit = name ?? propertyKey;
      auditDeclared = true;
    }
  };
}

/** Whether any class has an `@Audit()` field: until then the signals skip the lookup. */
export function hasAuditFields(): boolean {
  return auditDeclared;
}

/**
 * The fields of a class marked `@Audit()`, base-class fields first.
 *
 * @param target an instance, a prototype or a class.
 */
export function getAuditFields(target: object): ReadonlyArray<AuditField> {
  try {
    const start = typeof target === 'function' ? (target.prototype as unknown) : target;
    if (start === null || typeof start !== 'object') return EMPTY_AUDIT_FIELDS;
    return resolveClassMetadata(start).auditFields;
  } catch {
    return EMPTY_AUDIT_FIELDS;
  }
}

/**
 * The fields of a class marked `@TraceAttribute()`, base-class fields first.
 *
 * @param target an instance, a prototype or a class.
 */
export function getTraceAttributeFields(target: object): ReadonlyArray<TraceAttributeField> {
  try {
    const start = typeof target === 'function' ? (target.prototype as unknown) : target;
    if (start === null || typeof start !== 'object') return EMPTY_TRACE_FIELDS;
    return resolveClassMetadata(start).traceFields;
  } catch {
    // A Proxy whose getPrototypeOf trap throws has no readable class, hence no marked fields.
    return EMPTY_TRACE_FIELDS;
  }
}

/**
 * `@Redact()` / `@Hash()` fields of the class owning `prototype`, inherited ones included.
 * Internal: used by the redaction walker for each class instance it meets.
 */
export function getFieldActions(prototype: object): ReadonlyMap<string, FieldAction> | undefined {
  return resolveClassMetadata(prototype).actions;
}

function ownMetadataFor(target: object, propertyKey: string | symbol): FieldMetadata | undefined {
  // Symbol-keyed properties never reach a payload, a log or a span, so there is nothing to mark.
  if (typeof propertyKey !== 'string') return undefined;
  let fields = ownFieldMetadata.get(target);
  if (!fields) {
    fields = new Map();
    ownFieldMetadata.set(target, fields);
  }
  let metadata = fields.get(propertyKey);
  if (!metadata) {
    metadata = { redact: false, hash: false, traceAttribute: undefined, audit: undefined };
    fields.set(propertyKey, metadata);
  }
  metadataVersion++;
  return metadata;
}

function resolveClassMetadata(start: object): ClassMetadata {
  const cached = resolvedMetadata.get(start);
  if (cached && cached.version === metadataVersion) return cached;

  const chain: Map<string, FieldMetadata>[] = [];
  for (let current: object | null = start; current; current = Object.getPrototypeOf(current)) {
    const own = ownFieldMetadata.get(current);
    if (own) chain.unshift(own);
  }

  const actions = new Map<string, FieldAction>();
  const traceAttributes = new Map<string, string>();
  const auditNames = new Map<string, string>();
  for (const fields of chain) {
    for (const [property, metadata] of fields) {
      // A subclass can add protection to an inherited field but never lift it.
      if (metadata.hash) actions.set(property, 'hash');
      else if (metadata.redact && actions.get(property) !== 'hash') actions.set(property, 'redact');
      if (metadata.traceAttribute !== undefined) {
        traceAttributes.set(property, metadata.traceAttribute);
      }
      if (metadata.audit !== undefined) auditNames.set(property, metadata.audit);
    }
  }

  const resolved: ClassMetadata = {
    version: metadataVersion,
    actions: actions.size > 0 ? actions : undefined,
    traceFields:
      traceAttributes.size > 0
        ? Object.freeze(
            [...traceAttributes].map(([property, attribute]) =>
              Object.freeze({ property, attribute }),
            ),
          )
        : EMPTY_TRACE_FIELDS,
    auditFields:
      auditNames.size > 0
        ? Object.freeze(
            [...auditNames].map(([property, name]) => Object.freeze({ property, name })),
          )
        : EMPTY_AUDIT_FIELDS,
  };
  resolvedMetadata.set(start, resolved);
  return resolved;
}
