import { isReplacement, PatchSet } from './patch-set';

type Method = (...args: any[]) => any;

/** What the prototype patch needs of an application's dispatcher. */
export interface ScopedHandlerOwner {
  readonly idle: boolean;
  handleEvent(handler: string, instance: unknown, original: Method, event: unknown): unknown;
}

interface SharedPatch {
  readonly owners: ScopedHandlerOwner[];
  readonly patches: PatchSet;
}

/**
 * Request-scoped event handlers get a new instance per event, so their class's prototype is
 * patched — and a prototype is shared by every application of the process that registers the
 * class (two apps in one test file, an app and its microservice). One patch per prototype,
 * owned by every application using it: closing one app leaves the others instrumented, and
 * the last one out restores the original.
 */
const shared = new WeakMap<object, SharedPatch>();

// Which application published an event, for the prototypes several applications share.
const publishedBy = new WeakMap<object, ScopedHandlerOwner>();
let contested = 0;

/** Patches `prototype.handle` for `owner` (once per prototype). */
export function attachScopedHandler(
  prototype: object,
  handler: string,
  owner: ScopedHandlerOwner,
): boolean {
  let patch = shared.get(prototype);
  if (patch === undefined) {
    const current = (prototype as { handle?: unknown }).handle;
    if (typeof current !== 'function' || isReplacement(current)) return false;
    const owners: ScopedHandlerOwner[] = [];
    const patches = new PatchSet();
    patches.replace<Method>(
      prototype,
      'handle',
      (original) =>
        function handle(this: unknown, event: unknown) {
          const dispatcher = ownerFor(owners, event);
          if (dispatcher === undefined || dispatcher.idle) return original.call(this, event);
          return dispatcher.handleEvent(handler, this, original, event);
        },
    );
    patch = { owners, patches };
    shared.set(prototype, patch);
  }
  if (patch.owners.includes(owner)) return false;
  patch.owners.push(owner);
  if (patch.owners.length === 2) contested++;
  return true;
}

/** Drops `owner`; the last owner restores the prototype. */
export function detachScopedHandler(prototype: object, owner: ScopedHandlerOwner): void {
  const patch = shared.get(prototype);
  if (patch === undefined) return;
  const index = patch.owners.indexOf(owner);
  if (index === -1) return;
  patch.owners.splice(index, 1);
  if (patch.owners.length === 1) contested--;
  if (patch.owners.length === 0) {
    patch.patches.restoreAll();
    shared.delete(prototype);
  }
}

/**
 * Remembers which application publishes `event`, only while some prototype is shared by
 * several applications (otherwise the one owner is the answer, and nothing is recorded).
 */
export function notePublisher(event: unknown, owner: ScopedHandlerOwner): void {
  if (contested > 0 && event !== null && typeof event === 'object') publishedBy.set(event, owner);
}

function ownerFor(owners: ScopedHandlerOwner[], event: unknown): ScopedHandlerOwner | undefined {
  if (owners.length <= 1) return owners[0];
  const publisher =
    event !== null && typeof event === 'object' ? publishedBy.get(event) : undefined;
  return publisher !== undefined && owners.includes(publisher)
    ? publisher
    : owners[owners.length - 1];
}
