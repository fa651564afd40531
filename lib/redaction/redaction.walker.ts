import { createHash } from 'node:crypto';
import { types } from 'node:util';
import { isoTimeOf } from '../shared/iso-time';
import { type FieldAction, getFieldActions } from './redaction.decorators';
import { REDACTION_MARKER, TRUNCATION_SUFFIX } from './redaction.options';
import type { KeyMatcher } from './key-matcher';
import type { PathTreeNode } from './redaction.path-tree';
import type { ValueScrubber } from './value-detectors';

/** Containers nested more than this many levels below the payload root become `[MaxDepth]`. */
export const MAX_DEPTH = 16;
export const CIRCULAR_MARKER = '[Circular]';
export const UNREADABLE_MARKER = '[Unreadable]';
export const MAX_DEPTH_MARKER = '[MaxDepth]';
/** Closes an array (as an element) or an object (as key and value) cut short by the budget. */
export const ELLIPSIS = '...';

// Strings up to this length are never clipped: cutting a hash or a short marker saves nothing
// and would only make the sanitized copy handed to loggers harder to read.
const CLIP_FLOOR = 128;

// Objects are hashed from their redacted JSON walked under this budget, not `maxPayloadChars`, so
// two services with different payload limits give the same digest for the same object (up to this
// size), while a huge hashed object still costs a bounded walk.
const HASH_INPUT_BUDGET = 65_536;

const ERROR_KEYS: ReadonlyArray<string> = ['name', 'message'];

const NOT_LEAF: unique symbol = Symbol('not-leaf');

const typedArrayTag = Object.getOwnPropertyDescriptor(
  Object.getPrototypeOf(Uint8Array.prototype) as object,
  Symbol.toStringTag,
)?.get;

type AllowNode = PathTreeNode<true> | undefined;
type RuleNode = PathTreeNode<FieldAction> | undefined;
type ClassActions = ReadonlyMap<string, FieldAction> | undefined;

/** Redaction options compiled for the walker. */
export interface CompiledRedactionRules {
  /** Rules from entries without a dot, matched on the key's words; hashing wins. */
  readonly keys: KeyMatcher;
  /** The value detectors, run on every string written out. */
  readonly scrubber: ValueScrubber;
  /** Rules from dotted entries, anchored at the payload root. */
  readonly pathActions: RuleNode;
  /** The allowlist; `undefined` keeps everything, a node valued `true` keeps its subtree. */
  readonly allowlist: AllowNode;
  readonly maxChars: number;
}

/** Per-call state of one walk. */
export interface WalkState {
  /**
   * A lower bound of the JSON characters emitted so far, in JSON order. Because it never
   * overestimates, stopping once it passes `limit` only ever drops output that the final
   * truncation would have cut anyway. (A hash input also charges its nested hash inputs.)
   */
  used: number;
  readonly limit: number;
  /** Objects on the current path, for cycle detection; a repeated sibling is not a cycle. */
  readonly ancestors: Set<object>;
  /** Whether this walk builds the input of a hash rather than output. */
  readonly hashing: boolean;
}

/**
 * Builds the redacted, JSON-safe copy of a payload. Every read of user data (getters, Proxy
 * traps, `toString` of Map keys) is guarded, so a hostile value costs one marker, not the walk.
 */
export class RedactionWalker {
  constructor(private readonly rules: CompiledRedactionRules) {}

  newState(): WalkState {
    return { used: 0, limit: this.rules.maxChars, ancestors: new Set(), hashing: false };
  }

  /** Returns the sanitized value, or `undefined` where JSON would leave the value out. */
  walk(
    value: unknown,
    depth: number,
    allow: AllowNode,
    rules: RuleNode,
    state: WalkState,
  ): unknown {
    switch (typeof value) {
      case 'string':
        return allow ? undefined : this.emitString(this.rules.scrubber.scrub(value), state);
      case 'number':
        if (allow) return undefined;
        if (!Number.isFinite(value)) {
          state.used += 4;
          return null;
        }
        state.used += String(value).length;
        return value;
      case 'boolean':
        if (allow) return undefined;
        state.used += value ? 4 : 5;
        return value;
      case 'bigint':
        return allow ? undefined : this.emitString(String(value), state);
      case 'object':
        if (value === null) {
          if (allow) return undefined;
          state.used += 4;
          return null;
        }
        return this.walkObjectLike(value, depth, allow, rules, state);
      default:
        return undefined;
    }
  }

  /**
   * Applies the allowlist, the rules and the decorators to one field, then sanitizes its value.
   * Reads `container[key]` only when the field is not redacted, so a redacted getter never runs.
   */
  field(
    key: string,
    container: object | undefined,
    value: unknown,
    classActions: ClassActions,
    depth: number,
    allow: AllowNode,
    rules: RuleNode,
    state: WalkState,
  ): unknown {
    const lowerKey = allow !== undefined || rules !== undefined ? key.toLowerCase() : key;
    let childAllow: AllowNode;
    if (allow) {
      const node = allow.children.get(lowerKey);
      if (!node) return undefined;
      childAllow = node.value ? undefined : node;
    }
    const childRules = rules?.children.get(lowerKey);
    const action = strongest(
      classActions?.get(key),
      this.rules.keys.actionFor(key),
      childRules?.value,
    );
    if (action === 'redact') return this.emitString(REDACTION_MARKER, state);

    let item = value;
    if (container !== undefined) {
      try {
        item = (container as Record<string, unknown>)[key];
      } catch {
        return this.emitString(UNREADABLE_MARKER, state);
      }
    }
    return action === 'hash'
      ? this.hash(item, depth + 1, childAllow, childRules, state)
      : this.walk(item, depth + 1, childAllow, childRules, state);
  }

  /** `sha256:<hex>` of the value, or `undefined` where JSON would leave the value out. */
  hash(
    value: unknown,
    depth: number,
    allow: AllowNode,
    rules: RuleNode,
    state: WalkState,
  ): unknown {
    let input: string;
    if (typeof value === 'string') {
      if (allow) return undefined;
      input = value;
    } else if (value === null || typeof value !== 'object') {
      if (
        allow ||
        value === undefined ||
        typeof value === 'function' ||
        typeof value === 'symbol'
      ) {
        return undefined;
      }
      input = String(value);
    } else {
      // A budget of its own, so the digest of an object does not depend on where it sits. Hashes
      // nested inside it draw on that same budget, which keeps hostile nesting from multiplying
      // the work.
      const own: WalkState = state.hashing
        ? state
        : { used: 0, limit: HASH_INPUT_BUDGET, ancestors: state.ancestors, hashing: true };
      const sanitized = this.walk(value, depth, allow, rules, own);
      if (sanitized === undefined) return undefined;
      input = typeof sanitized === 'string' ? sanitized : JSON.stringify(sanitized);
    }
    return this.emitString(`sha256:${createHash('sha256').update(input).digest('hex')}`, state);
  }

  private walkObjectLike(
    value: object,
    depth: number,
    allow: AllowNode,
    rules: RuleNode,
    state: WalkState,
  ): unknown {
    const { ancestors } = state;
    if (ancestors.has(value)) return this.emitString(CIRCULAR_MARKER, state);
    const usedBefore = state.used;
    try {
      const isArray = Array.isArray(value);
      const prototype = isArray ? undefined : (Object.getPrototypeOf(value) as object | null);
      // Plain objects (the bulk of any payload) skip the built-in type probes below.
      const isPlain = prototype === null || prototype === Object.prototype;
      if (!isArray && !isPlain) {
        const leaf = leafOf(value);
        if (leaf !== NOT_LEAF) return this.walk(leaf, depth, allow, rules, state);
      }
      if (depth > MAX_DEPTH) return this.emitString(MAX_DEPTH_MARKER, state);
      ancestors.add(value);
      try {
        if (isArray) return this.walkArray(value, depth, allow, rules, state);
        if (isPlain) {
          return this.walkFields(value, Object.keys(value), undefined, depth, allow, rules, state);
        }
        if (types.isMap(value)) return this.walkMap(value, depth, allow, rules, state);
        if (types.isSet(value)) return this.walkSet(value, depth, allow, rules, state);
        const classActions = prototype ? getFieldActions(prototype) : undefined;
        if (types.isNativeError(value) || value instanceof Error) {
          const error = value as Error;
          const view = { name: asText(error.name), message: asText(error.message) };
          return this.walkFields(view, ERROR_KEYS, classActions, depth, allow, rules, state);
        }
        return this.walkFields(value, Object.keys(value), classActions, depth, allow, rules, state);
      } finally {
        ancestors.delete(value);
      }
    } catch {
      // Output charged before the failure is discarded, so uncharge it to keep `used` a lower bound.
      state.used = usedBefore;
      return this.emitString(UNREADABLE_MARKER, state);
    }
  }

  private walkFields(
    source: object,
    keys: ReadonlyArray<string>,
    classActions: ClassActions,
    depth: number,
    allow: AllowNode,
    rules: RuleNode,
    state: WalkState,
  ): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    state.used += 1;
    let count = 0;
    for (const key of keys) {
      if (state.used > state.limit) {
        setOwn(out, ELLIPSIS, ELLIPSIS);
        break;
      }
      const item = this.field(key, source, undefined, classActions, depth, allow, rules, state);
      if (item === undefined) continue;
      const emitted = this.rules.keys.decide(key).emitted;
      state.used += emitted.length + (count > 0 ? 4 : 3);
      setOwn(out, emitted, item);
      count++;
    }
    state.used += 1;
    return out;
  }

  private walkMap(
    map: Map<unknown, unknown>,
    depth: number,
    allow: AllowNode,
    rules: RuleNode,
    state: WalkState,
  ): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    state.used += 1;
    let count = 0;
    for (const [rawKey, value] of Map.prototype.entries.call(map) as MapIterator<
      [unknown, unknown]
    >) {
      if (state.used > state.limit) {
        setOwn(out, ELLIPSIS, ELLIPSIS);
        break;
      }
      let key: string;
      try {
        key = String(rawKey);
      } catch {
        continue;
      }
      // `1` and `'1'` collide once stringified; the first wins, and charging only what is kept
      // keeps `used` a lower bound.
      if (Object.prototype.hasOwnProperty.call(out, key)) continue;
      const item = this.field(key, undefined, value, undefined, depth, allow, rules, state);
      if (item === undefined) continue;
      const emitted = this.rules.keys.decide(key).emitted;
      state.used += emitted.length + (count > 0 ? 4 : 3);
      setOwn(out, emitted, item);
      count++;
    }
    state.used += 1;
    return out;
  }

  private walkArray(
    array: ReadonlyArray<unknown>,
    depth: number,
    allow: AllowNode,
    rules: RuleNode,
    state: WalkState,
  ): unknown[] {
    const out: unknown[] = [];
    state.used += 1;
    const length = array.length;
    for (let index = 0; index < length; index++) {
      if (state.used > state.limit) {
        out.push(ELLIPSIS);
        break;
      }
      if (index > 0) state.used += 1;
      let item: unknown;
      try {
        item = array[index];
      } catch {
        out.push(this.emitString(UNREADABLE_MARKER, state));
        continue;
      }
      this.pushItem(out, item, depth, allow, rules, state);
    }
    state.used += 1;
    return out;
  }

  private walkSet(
    set: Set<unknown>,
    depth: number,
    allow: AllowNode,
    rules: RuleNode,
    state: WalkState,
  ): unknown[] {
    const out: unknown[] = [];
    state.used += 1;
    for (const item of Set.prototype.values.call(set) as SetIterator<unknown>) {
      if (state.used > state.limit) {
        out.push(ELLIPSIS);
        break;
      }
      if (out.length > 0) state.used += 1;
      this.pushItem(out, item, depth, allow, rules, state);
    }
    state.used += 1;
    return out;
  }

  private pushItem(
    out: unknown[],
    item: unknown,
    depth: number,
    allow: AllowNode,
    rules: RuleNode,
    state: WalkState,
  ): void {
    // Array elements are transparent to paths: they share their array's allowlist and rule node.
    const sanitized = this.walk(item, depth + 1, allow, rules, state);
    if (sanitized === undefined) {
      state.used += 4;
      out.push(null);
    } else {
      out.push(sanitized);
    }
  }

  /**
   * Charges a string and clips it when it alone would overrun the budget. The clip keeps at least
   * `limit - used + 1` characters, so everything before the final cut point is the real value.
   */
  private emitString(text: string, state: WalkState): string {
    const keep = Math.max(state.limit - state.used + 1, CLIP_FLOOR);
    const emitted = text.length > keep ? text.slice(0, keep) + TRUNCATION_SUFFIX : text;
    state.used += emitted.length + 2;
    return emitted;
  }
}

function strongest(
  fromClass: FieldAction | undefined,
  fromKey: FieldAction | undefined,
  fromPath: FieldAction | undefined,
): FieldAction | undefined {
  if (fromClass === 'hash' || fromKey === 'hash' || fromPath === 'hash') return 'hash';
  return fromClass ?? fromKey ?? fromPath;
}

/**
 * Values that become one JSON primitive. Reads internal slots through the intrinsic prototype
 * methods, so user overrides (including `toJSON`) are never called and bytes never copied.
 */
function leafOf(value: object): string | number | boolean | typeof NOT_LEAF {
  if (types.isDate(value)) return isoTimeOf(value);
  if (ArrayBuffer.isView(value)) {
    const kind = Buffer.isBuffer(value)
      ? 'Buffer'
      : types.isDataView(value)
        ? 'DataView'
        : String(typedArrayTag?.call(value) ?? 'TypedArray');
    return `[${kind} ${Number(value.byteLength)} bytes]`;
  }
  if (types.isAnyArrayBuffer(value)) {
    const kind = types.isSharedArrayBuffer(value) ? 'SharedArrayBuffer' : 'ArrayBuffer';
    return `[${kind} ${Number(value.byteLength)} bytes]`;
  }
  if (types.isBoxedPrimitive(value)) {
    if (types.isStringObject(value)) return String.prototype.valueOf.call(value);
    if (types.isNumberObject(value)) return Number.prototype.valueOf.call(value);
    if (types.isBooleanObject(value)) return Boolean.prototype.valueOf.call(value);
    if (types.isBigIntObject(value)) return BigInt.prototype.toString.call(value);
  }
  return NOT_LEAF;
}

function asText(value: unknown): string {
  return typeof value === 'string' ? value : String(value);
}

function setOwn(target: Record<string, unknown>, key: string, value: unknown): void {
  // Plain assignment of `__proto__` would replace the prototype instead of adding a key.
  if (key === '__proto__') {
    Object.defineProperty(target, key, {
      value,
      enumerable: true,
      writable: true,
      configurable: true,
    });
  } else {
    target[key] = value;
  }
}
