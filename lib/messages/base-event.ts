import type { IEvent } from '@nestjs/cqrs';
import { holdAsyncContextBeside } from './async-context-slot';
import { markCheckedEnvelope } from './checked-envelope';
import { defineMessageFields, EVENT_ENVELOPE } from './message-fields';
import type { BaseEventProps, MessageArgs, MessageInstance, OwnFields } from './message-props';

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
 * Built exactly like a {@link BaseCommand}, fields as the last type argument included.
 *
 * @throws TypeError when `props` is not an object, or when `eventId`, `correlationId` (at most
 *   128 characters of `[A-Za-z0-9._:-]`) or `occurredAt` (a valid `Date` or an ISO 8601
 *   date-time with a time zone) is given and invalid.
 */
abstract class EventMessage implements IEvent {
  /** A UUID v4 unless given. */
  declare readonly eventId: string;
  declare readonly correlationId?: string;
  /** When the event happened (a `Date`, which is always UTC); now unless given. */
  declare readonly occurredAt: Date;

  constructor(props: object = {}) {
    // The returned object is `this`, or a guard around it (see class-field-guard.ts).
    return defineMessageFields(this, props, EVENT_ENVELOPE);
  }
}
holdAsyncContextBeside(EventMessage.prototype);
markCheckedEnvelope(EventMessage.prototype);

/** An event; with `TFields`, its fields (see {@link BaseEvent}). */
export type BaseEvent<TFields extends object = never> = MessageInstance<EventMessage, TFields>;

export const BaseEvent = EventMessage as unknown as abstract new <TFields extends object = never>(
  ...args: MessageArgs<TFields, BaseEventProps>
) => BaseEvent<TFields>;
