import { needsClassFieldGuard } from './class-field-guard';

// On the base classes' prototypes only; not exported, so no other object can carry it.
const CHECKED_ENVELOPE = Symbol('nestjs-cqrs-observability.checked-envelope');

/** Marks a base class: its frozen instances carry the envelope its constructor checked. */
export function markCheckedEnvelope(prototype: object): void {
  Object.defineProperty(prototype, CHECKED_ENVELOPE, { value: true });
}

/**
 * Whether `message`'s id and `correlationId` are the ones its constructor checked, as own
 * read-only data: a frozen instance of a base class whose class defines no member of an
 * envelope field's name (such a class keeps its guard, see message-fields.ts). The dispatch
 * then reads them without checking their format again. Never throws: a Proxy's trap that
 * does counts as "not checked".
 */
export function hasCheckedEnvelope(message: unknown): boolean {
  if (typeof message !== 'object' || message === null) return false;
  try {
    return (
      (message as Record<symbol, unknown>)[CHECKED_ENVELOPE] === true &&
      Object.isFrozen(message) &&
      !needsClassFieldGuard(message.constructor)
    );
  } catch {
    return false;
  }
}
