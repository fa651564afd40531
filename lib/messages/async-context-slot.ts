import { ASYNC_CONTEXT_ATTRIBUTE, AsyncContext } from '@nestjs/cqrs';

/**
 * Messages are frozen once their class's shape is known (message-fields.ts), so
 * @nestjs/cqrs's `AsyncContext.attachTo()` and `AsyncContext.merge()` — request-scoped
 * handlers, contexts carried from an event to a saga's command — could no longer define their
 * symbol on them. For a frozen message of the base classes the context is kept beside it, and
 * the classes' prototypes read it back under upstream's own symbol: `AsyncContext.of()`,
 * `isAttached()` and the buses see what they would see on an extensible object. Every other
 * target goes to upstream's methods unchanged.
 */
interface Slots {
  readonly contexts: WeakMap<object, unknown>;
  readonly owners: object[];
}

// Shared by every copy of this library in the process through the class itself, so the
// messages of one copy and the patch installed by another agree.
const SLOTS = Symbol.for('nestjs-cqrs-observability.async-context-slots');

type Patchable = typeof AsyncContext & { [SLOTS]?: Slots };

/** Lets the frozen instances of a base class's subclasses hold an `AsyncContext`. */
export function holdAsyncContextBeside(prototype: object): void {
  // @nestjs/cqrs before 11: no AsyncContext (the startup peer check refuses that version).
  if (AsyncContext === undefined || ASYNC_CONTEXT_ATTRIBUTE === undefined) return;
  const slots = installOnce(AsyncContext as Patchable);
  slots.owners.push(prototype);
  Object.defineProperty(prototype, ASYNC_CONTEXT_ATTRIBUTE, {
    get(this: object) {
      return slots.contexts.get(this);
    },
    configurable: true,
  });
}

function installOnce(type: Patchable): Slots {
  const installed = type[SLOTS];
  if (installed !== undefined) return installed;
  const slots: Slots = { contexts: new WeakMap(), owners: [] };
  Object.defineProperty(type, SLOTS, { value: slots });
  const heldBeside = (target: unknown): target is object =>
    typeof target === 'object' &&
    target !== null &&
    Object.isFrozen(target) &&
    slots.owners.some((owner) => Object.prototype.isPrototypeOf.call(owner, target));

  const attachTo = type.prototype.attachTo;
  type.prototype.attachTo = function (this: AsyncContext, target: object): void {
    if (heldBeside(target)) slots.contexts.set(target, this);
    else attachTo.call(this, target);
  };
  const merge = type.merge;
  type.merge = function (this: unknown, from: object, to: object): void {
    if (!from || !heldBeside(to)) return merge.call(this, from, to);
    const context = (from as Record<symbol, unknown>)[ASYNC_CONTEXT_ATTRIBUTE];
    if (context) slots.contexts.set(to, context);
  };
  return slots;
}
