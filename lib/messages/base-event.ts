import type { IEvent } from '@nestjs/cqrs';
import { defineMessageFields, EVENT_ENVELOPE } from './message-fields';
import type { BaseEventProps, ExtraMessageProps, OwnFields } from './message-props';

/**
 * The props of event `T`: its own data fields plus the optional envelope fields. For a
 * subclass constructor that checks its fields:
 * `constructor(props: EventProps<UserCreated>) { super(props); }`.
 */
export type EventProps<T> = OwnFields<T, BaseEvent> & BaseEventProps;

/**
 * Base class for events: an immutable message built from one props object, with an `eventId`
 * and the instant it `occurredAt`.
 *
 * ```ts
 * export class UserCreated extends BaseEvent {
 *   declare readonly userId: string;
 * }
 *
 * this.eventBus.publish(new UserCreated({ userId: user.id }));
 * ```
 *
 * Built exactly like a {@link BaseCommand}; read its documentation before adding fields:
 * declare them with `declare readonly`, never with an initialiser.
 *
 * @throws TypeError when `props` is not an object, or when `eventId`, `correlationId` (at most
 *   128 characters of `[A-Za-z0-9._:-]`) or `occurredAt` (a valid `Date` or an ISO 8601
 *   date-time with a time zone) is given and invalid.
 */
export abstract class BaseEvent implements IEvent {
  /** A UUID v4 unless given. */
  declare readonly eventId: string;
  declare readonly correlationId?: string;
  /** When the event happened (a `Date`, which is always UTC); now unless given. */
  declare readonly occurredAt: Date;

  constructor(props: BaseEventProps & ExtraMessageProps = {}) {
    // The returned object is `this`, or a guard around it (see class-field-guard.ts).
    return defineMessageFields(this, props, EVENT_ENVELOPE);
  }
}
