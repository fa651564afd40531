/** What a decorator asks the redaction policy to do with a field. */
export type FieldAction = 'redact' | 'hash';

/** A message field copied onto the span as an attribute. */
export interface TraceAttributeField {
  /** The property on the message. */
  readonly property: string;
  /** The span attribute key it is written to. */
  readonly attribute: string;
}

interface FieldMetadata {
  redact: boolean;
  hash: boolean;
  traceAttribute: string | undefined;
}

interface ClassMetadata {
  readonly version: number;
  /** `undefined` when no field is redacted or hashed, so the walker can skip the lookup. */
  readonly actions: ReadonlyMap<string, FieldAction> | undefined;
  readonly traceFields: ReadonlyArray<TraceAttributeField>;
}

// Keyed by prototype rather than stored with reflect-metadata: nothing depends on the global
// Reflect polyfill being loaded first, and a WeakMap lets classes be collected.
const ownFieldMetadata = new WeakMap<object, Map<string, FieldMetadata>>();
const resolvedMetadata = new WeakMap<object, ClassMetadata>();

// Bumped on every decoration so a cached resolution made before a decorator ran (a base class
// resolved before a subclass was defined, or a decorator applied by hand) is recomputed.
let metadataVersion = 0;

const EMPTY_TRACE_FIELDS: ReadonlyArray<TraceAttributeField> = Object.freeze([]);

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
    metadata = { redact: false, hash: false, traceAttribute: undefined };
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
  for (const fields of chain) {
    for (const [property, metadata] of fields) {
      // A subclass can add protection to an inherited field but never lift it.
      if (metadata.hash) actions.set(property, 'hash');
      else if (metadata.redact && actions.get(property) !== 'hash') actions.set(property, 'redact');
      if (metadata.traceAttribute !== undefined) {
        traceAttributes.set(property, metadata.traceAttribute);
      }
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
  };
  resolvedMetadata.set(start, resolved);
  return resolved;
}
