/** Marks a function installed by us; holds the function it replaced. */
const REPLACED = Symbol('cqrs-observability.replaced');

interface AppliedPatch {
  target: object;
  key: PropertyKey;
  replacement: unknown;
  original: unknown;
  ownDescriptor: PropertyDescriptor | undefined;
}

/**
 * Method replacements that can all be undone. Replacing a method that is already one of ours
 * is a no-op, so patching twice (a second init, a second module) never wraps twice.
 */
export class PatchSet {
  private applied: AppliedPatch[] = [];

  /** Replaces `target[key]` with `wrap(original)`; returns false when it was already ours. */
  replace<F extends (...args: any[]) => any>(
    target: object,
    key: PropertyKey,
    wrap: (original: F) => F,
  ): boolean {
    const current = (target as Record<PropertyKey, unknown>)[key];
    if (typeof current !== 'function' || isReplacement(current)) return false;
    const replacement = wrap(current as F);
    copyMetadata(current, replacement);
    Object.defineProperty(replacement, REPLACED, { value: current });
    Object.defineProperty(replacement, 'name', { value: current.name, configurable: true });
    const ownDescriptor = Object.getOwnPropertyDescriptor(target, key);
    Object.defineProperty(target, key, {
      value: replacement,
      writable: true,
      configurable: true,
      enumerable: ownDescriptor?.enumerable ?? false,
    });
    this.applied.push({ target, key, replacement, original: current, ownDescriptor });
    return true;
  }

  /** Puts every replaced method back, newest first. Idempotent. */
  restoreAll(): void {
    const applied = this.applied;
    this.applied = [];
    for (let i = applied.length - 1; i >= 0; i--) {
      const patch = applied[i]!;
      // Someone patched over us since: leave their function in place rather than drop it.
      if ((patch.target as Record<PropertyKey, unknown>)[patch.key] !== patch.replacement) continue;
      if (patch.ownDescriptor) Object.defineProperty(patch.target, patch.key, patch.ownDescriptor);
      else delete (patch.target as Record<PropertyKey, unknown>)[patch.key];
    }
  }

  get size(): number {
    return this.applied.length;
  }
}

export function isReplacement(fn: unknown): boolean {
  return typeof fn === 'function' && REPLACED in fn;
}

/** Decorator metadata on the original method stays visible on the wrapper. */
function copyMetadata(from: object, to: object): void {
  const reflect = Reflect as unknown as {
    getMetadataKeys?: (target: object) => unknown[];
    getMetadata?: (key: unknown, target: object) => unknown;
    defineMetadata?: (key: unknown, value: unknown, target: object) => void;
  };
  if (!reflect.getMetadataKeys || !reflect.getMetadata || !reflect.defineMetadata) return;
  for (const key of reflect.getMetadataKeys(from)) {
    reflect.defineMetadata(key, reflect.getMetadata(key, from), to);
  }
}
