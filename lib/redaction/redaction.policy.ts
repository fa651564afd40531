import { types } from 'node:util';
import { isoTimeOf } from '../shared/iso-time';
import {
  type FieldAction,
  getAuditFields,
  getFieldActions,
  getTraceAttributeFields,
  hasAuditFields,
} from './redaction.decorators';
import { AUDIT_ATTRIBUTE_PREFIX } from './audit.constants';
import {
  REDACTION_MARKER,
  type RedactionOptions,
  type ResolvedRedactionOptions,
  resolveRedactionOptions,
  TRUNCATION_SUFFIX,
} from './redaction.options';
import { KeyMatcher } from './key-matcher';
import { sameFieldName } from './key-words';
import { RedactedError } from './redacted-error';
import { buildPathTree, splitFieldPath } from './redaction.path-tree';
import { ValueScrubber } from './value-detectors';
import { type CompiledRedactionRules, RedactionWalker } from './redaction.walker';
import type { SerializedPayload } from './serialized-payload.interface';

/** What `sanitize` returns when something outside the guarded reads fails. */
export const UNSERIALIZABLE_MARKER = '[Unserializable]';

/** A span attribute value as OpenTelemetry accepts it. */
export type TraceAttributeValue = string | number | boolean;

/**
 * Turns any message payload into redacted, bounded, JSON-safe data. One instance is shared by the
 * payload span event, log lines and Sentry contexts, so all three hide the same fields.
 *
 * No method ever throws: a payload that cannot be read yields markers (`[Unreadable]`,
 * `[Circular]`, `[MaxDepth]`) instead of breaking the dispatch it describes.
 */
export class RedactionPolicy {
  /** The options in force, defaults applied. */
  readonly options: ResolvedRedactionOptions;

  private readonly rules: CompiledRedactionRules;
  private readonly walker: RedactionWalker;
  private readonly flatEligible: boolean;
  private readonly plainClasses = new WeakMap<object, boolean>();

  /** @throws InvalidObservabilityOptionError when the options are invalid. */
  constructor(options?: RedactionOptions | ResolvedRedactionOptions) {
    this.options = resolveRedactionOptions(options);
    this.rules = compileRules(this.options);
    this.walker = new RedactionWalker(this.rules);
    this.flatEligible = this.rules.allowlist === undefined && this.rules.pathActions === undefined;
  }

  /**
   * A redacted, JSON-safe deep copy of `value`, bounded to roughly `maxPayloadChars` of JSON
   * (arrays and objects cut short end with a `'...'` element or key). `undefined` where JSON
   * would leave the value out (`undefined`, a function, a symbol, or a primitive root that an
   * allowlist does not keep).
   */
  sanitize(value: unknown): unknown {
    try {
      return this.walker.walk(
        value,
        0,
        this.rules.allowlist,
        this.rules.pathActions,
        this.walker.newState(),
      );
    } catch {
      return UNSERIALIZABLE_MARKER;
    }
  }

  /** The redacted payload as JSON, truncated to `maxPayloadChars` (a root left out is `null`). */
  serialize(value: unknown): SerializedPayload {
    let json: string | undefined;
    try {
      json = this.tryFlatJson(value) ?? JSON.stringify(this.sanitize(value)) ?? 'null';
    } catch {
      json = JSON.stringify(UNSERIALIZABLE_MARKER);
    }
    return this.truncate(json);
  }

  /**
   * The common case on the hot path — a message whose fields are all strings, numbers,
   * booleans, nulls or Dates, with no allowlist, dotted rule or decorator in play — written
   * without the general walker. Gives exactly the walker's JSON; `undefined` for anything else.
   */
  private tryFlatJson(value: unknown): string | undefined {
    try {
      return this.flatJson(value);
    } catch {
      // A hostile object (a Proxy, a throwing getter): the walker knows how to describe it.
      return undefined;
    }
  }

  private flatJson(value: unknown): string | undefined {
    if (!this.flatEligible || value === null || typeof value !== 'object' || Array.isArray(value)) {
      return undefined;
    }
    const prototype = Object.getPrototypeOf(value) as object | null;
    if (prototype !== Object.prototype && (prototype === null || !this.isPlainClass(prototype))) {
      return undefined;
    }
    // Written member by member: one string, no copy of the message built and stringified.
    const source = value as Record<string, unknown>;
    let json = '{';
    let separator = '';
    for (const key of Object.keys(source)) {
      const decision = this.rules.keys.decide(key);
      // A key holding secret-shaped text (rare) is left to the walker, which writes it scrubbed.
      if (decision.action === 'hash' || decision.emitted !== key) return undefined;
      let member: string;
      if (decision.action === 'redact') {
        // Like the walker, a redacted field's value is never read.
        member = REDACTED_JSON;
      } else {
        // An own getter that throws lands in tryFlatJson's catch: the walker then describes it.
        const field: unknown = source[key];
        switch (typeof field) {
          case 'string':
            member = JSON.stringify(this.rules.scrubber.scrub(field));
            break;
          case 'number':
            // What JSON.stringify writes for a number.
            member = Number.isFinite(field) ? String(field) : 'null';
            break;
          case 'boolean':
            member = field ? 'true' : 'false';
            break;
          case 'undefined':
            continue;
          case 'object':
            if (field === null) member = 'null';
            else if (field instanceof Date) member = `"${isoTimeOf(field)}"`;
            else return undefined;
            break;
          default:
            return undefined;
        }
      }
      json += `${separator}${decision.jsonName}${member}`;
      separator = ',';
    }
    return `${json}}`;
  }

  private isPlainClass(prototype: object): boolean {
    let plain = this.plainClasses.get(prototype);
    if (plain === undefined) {
      const actions = getFieldActions(prototype);
      plain = actions === undefined || actions.size === 0;
      this.plainClasses.set(prototype, plain);
    }
    return plain;
  }

  /**
   * One field as the payload would show it: `value` under `key` at the payload root, through
   * the field rules (`requestedBy` → `sha256:<hex>` by default) and the value detectors.
   * `undefined` where JSON would leave it out. Never throws.
   */
  fieldValue(key: string, value: unknown): unknown {
    try {
      return this.walker.field(
        key,
        undefined,
        value,
        undefined,
        0,
        undefined,
        this.rules.pathActions,
        this.walker.newState(),
      );
    } catch {
      return UNSERIALIZABLE_MARKER;
    }
  }

  /**
   * Secret-shaped text of `text` replaced by `***`, as the value detectors find it (the
   * `redaction.valueDetectors` and `valuePatterns` in force). Never throws.
   */
  scrubText(text: string): string {
    try {
      return this.rules.scrubber.scrub(text);
    } catch {
      return UNSERIALIZABLE_MARKER;
    }
  }

  /**
   * What every sink may show of a thrown value: a {@link RedactedError} with its type, its
   * message and stack scrubbed by the value detectors, its `cause` and `errors` chain in the same
   * form (cycles cut, at most 5 levels and 10 aggregated errors a level). A thrown non-Error
   * object without a string `message` is described by its redacted JSON. Nothing else of the
   * original is read: no enumerable field, no `toJSON`. Never throws; only called on failure.
   */
  redactError(error: unknown): RedactedError {
    try {
      return this.errorView(error, 0, new Set());
    } catch {
      return new RedactedError('_OTHER', 'unprintable error', undefined, true);
    }
  }

  private errorView(error: unknown, depth: number, seen: Set<object>): RedactedError {
    if (error instanceof RedactedError) return error;
    if (error === null || (typeof error !== 'object' && typeof error !== 'function')) {
      const type = error === null ? 'null' : typeof error;
      return new RedactedError(
        type,
        this.errorText(describe(error), MAX_MESSAGE_CHARS),
        undefined,
        true,
      );
    }
    seen.add(error);
    const message = readString(error, 'message');
    const stack = readString(error, 'stack');
    const isError = types.isNativeError(error) || error instanceof Error;
    const text =
      message !== undefined
        ? this.errorText(message, MAX_MESSAGE_CHARS)
        : isError
          ? ''
          : this.serialize(error).json;
    let cause: RedactedError | undefined;
    let errors: RedactedError[] | undefined;
    if (depth < MAX_CAUSE_DEPTH) {
      const rawCause = readField(error, 'cause');
      if (rawCause !== undefined && !seenBefore(rawCause, seen)) {
        cause = this.errorView(rawCause, depth + 1, seen);
      }
      const rawErrors = readField(error, 'errors');
      if (Array.isArray(rawErrors)) {
        errors = [];
        for (const item of rawErrors.slice(0, MAX_AGGREGATED_ERRORS)) {
          if (!seenBefore(item, seen)) errors.push(this.errorView(item, depth + 1, seen));
        }
      }
    }
    return new RedactedError(
      classNameOf(error),
      text,
      stack === undefined ? undefined : this.errorText(stack, MAX_STACK_CHARS),
      false,
      cause,
      errors,
    );
  }

  /** Scrubbed, then cut: a secret on the cut line is scrubbed whole before any of it is dropped. */
  private errorText(text: string, max: number): string {
    const scrubbed = this.rules.scrubber.scrub(
      text.length > MAX_SCRUBBED_CHARS ? text.slice(0, MAX_SCRUBBED_CHARS) : text,
    );
    return scrubbed.length > max ? scrubbed.slice(0, max) + TRUNCATION_SUFFIX : scrubbed;
  }

  /**
   * Span attributes for the message's `@TraceAttribute()` fields, base-class fields first, then
   * its `@Audit()` fields as `audit.<name>`. Strings, finite numbers and booleans are kept as
   * they are, other values become their redacted JSON. Redaction and hashing still apply (a
   * marked `email` field is written as `***`); the allowlist does not, since marking a field is
   * itself an explicit choice. Fields holding `null`, `undefined` or nothing JSON can express
   * are skipped.
   */
  traceAttributes(message: unknown): Array<[string, TraceAttributeValue]> {
    if (message === null || typeof message !== 'object') return [];
    try {
      const prototype = Object.getPrototypeOf(message) as object | null;
      if (prototype === null || prototype === Object.prototype) return [];
      const fields = getTraceAttributeFields(prototype);
      const audited = hasAuditFields() ? getAuditFields(prototype) : undefined;
      if (fields.length === 0 && (audited === undefined || audited.length === 0)) return [];

      const classActions = getFieldActions(prototype);
      const attributes: Array<[string, TraceAttributeValue]> = [];
      for (const { property, attribute } of fields) {
        const value = this.toAttributeValue(this.markedField(message, property, classActions));
        if (value !== undefined) attributes.push([attribute, value]);
      }
      for (const { property, name } of audited ?? []) {
        const value = this.toAttributeValue(this.markedField(message, property, classActions));
        if (value !== undefined) attributes.push([AUDIT_ATTRIBUTE_PREFIX + name, value]);
      }
      return attributes;
    } catch {
      return [];
    }
  }

  /**
   * The message's `@Audit()` fields as one record (`{ actor: 'u-1', orderId: 'o-7' }`), each
   * value as the payload would show it — redacted, hashed, scrubbed, strings cut to
   * `maxPayloadChars` — for the log line and the Sentry context. `undefined` when the class
   * marks none (at no cost until some class uses `@Audit()`). Never throws.
   */
  auditRecord(message: unknown): Record<string, unknown> | undefined {
    if (!hasAuditFields() || message === null || typeof message !== 'object') return undefined;
    try {
      const prototype = Object.getPrototypeOf(message) as object | null;
      if (prototype === null || prototype === Object.prototype) return undefined;
      const audited = getAuditFields(prototype);
      if (audited.length === 0) return undefined;
      const classActions = getFieldActions(prototype);
      const record: Record<string, unknown> = {};
      for (const { property, name } of audited) {
        const value = this.markedField(message, property, classActions);
        if (value === undefined) continue;
        record[name] = typeof value === 'string' ? this.truncate(value).json : value;
      }
      return record;
    } catch {
      return undefined;
    }
  }

  /** One marked field of `message`, through the field rules, decorators and detectors. */
  private markedField(
    message: object,
    property: string,
    classActions: ReadonlyMap<string, FieldAction> | undefined,
  ): unknown {
    const state = this.walker.newState();
    state.ancestors.add(message);
    return this.walker.field(
      property,
      message,
      undefined,
      classActions,
      0,
      undefined,
      this.rules.pathActions,
      state,
    );
  }

  private toAttributeValue(sanitized: unknown): TraceAttributeValue | undefined {
    switch (typeof sanitized) {
      case 'string':
        return this.truncate(sanitized).json;
      case 'number':
      case 'boolean':
        return sanitized;
      case 'object':
        return sanitized === null ? undefined : this.truncate(JSON.stringify(sanitized)).json;
      default:
        return undefined;
    }
  }

  private truncate(json: string): SerializedPayload {
    const max = this.options.maxPayloadChars;
    if (json.length <= max) return { json, size: json.length, truncated: false };
    return { json: json.slice(0, max) + TRUNCATION_SUFFIX, size: json.length, truncated: true };
  }
}

const MAX_CAUSE_DEPTH = 5;
const MAX_AGGREGATED_ERRORS = 10;
const MAX_MESSAGE_CHARS = 8192;
const MAX_STACK_CHARS = 16_384;
// Error texts are scrubbed on failure only, but a 10 MB message must still cost a bounded scan.
const MAX_SCRUBBED_CHARS = 65_536;

const REDACTED_JSON = JSON.stringify(REDACTION_MARKER);

function readField(source: object, key: string): unknown {
  try {
    return (source as Record<string, unknown>)[key];
  } catch {
    return undefined;
  }
}

function readString(source: object, key: string): string | undefined {
  const value = readField(source, key);
  return typeof value === 'string' ? value : undefined;
}

function seenBefore(value: unknown, seen: Set<object>): boolean {
  return value !== null && typeof value === 'object' && seen.has(value);
}

function classNameOf(value: object): string {
  try {
    const name = (Object.getPrototypeOf(value) as { constructor?: { name?: unknown } } | null)
      ?.constructor?.name;
    if (typeof name === 'string' && name !== '') return name;
  } catch {
    // A Proxy with a throwing trap has no readable class.
  }
  return 'Object';
}

function describe(value: unknown): string {
  try {
    return String(value);
  } catch {
    return 'unprintable value';
  }
}

function compileRules(options: ResolvedRedactionOptions): CompiledRedactionRules {
  const keyEntries: Array<[string, FieldAction]> = [];
  const pathEntries: Array<[string, FieldAction]> = [];
  const add = (entries: ReadonlyArray<string>, action: FieldAction): void => {
    for (const entry of entries) {
      const segments = splitFieldPath(entry);
      if (segments.length > 1) pathEntries.push([entry, action]);
      else keyEntries.push([segments[0]!, action]);
    }
  };
  add(options.sensitiveFields, 'redact');
  add(options.extraSensitiveFields, 'redact');
  add(options.redactFields, 'redact');
  add(
    options.personalFields.filter(
      (personal) => !options.clearFields.some((clear) => sameFieldName(personal, clear)),
    ),
    'hash',
  );
  add(options.hashFields, 'hash');

  const scrubber = new ValueScrubber(options.valueDetectors, options.valuePatterns);
  return {
    keys: new KeyMatcher(keyEntries, scrubber),
    scrubber,
    pathActions: buildPathTree(pathEntries, (existing, added) =>
      existing === 'hash' || added === 'hash' ? 'hash' : 'redact',
    ),
    allowlist: buildPathTree(
      options.includeFields.map((path): [string, true] => [path, true]),
      () => true,
    ),
    maxChars: options.maxPayloadChars,
  };
}
