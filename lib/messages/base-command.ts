import { Command } from '@nestjs/cqrs';
import { holdAsyncContextBeside } from './async-context-slot';
import { markCheckedEnvelope } from './checked-envelope';
import { defineMessageFields, REQUEST_ENVELOPE } from './message-fields';
import type { BaseMessageProps, MessageArgs, MessageInstance, OwnFields } from './message-props';

/**
 * The props of command `T`: its own data fields (typed as declared, optional ones optional)
 * plus the optional envelope fields. For a subclass constructor that checks its fields:
 *
 * ```ts
 * constructor(props: CommandProps<CreateUser>) {
 *   super(props);
 * }
 * ```
 */
export type CommandProps<T> = OwnFields<T, BaseCommand> & BaseMessageProps;

/**
 * Base class for commands: an immutable message built from one props object, carrying the
 * result type its handler returns so `commandBus.execute(new CreateUser(…))` is typed
 * `Promise<User>`. The last type argument lists the fields, so the constructor checks them:
 *
 * ```ts
 * export class CreateUser extends BaseCommand<User, { name: string; email: string }> {
 *   @IsEmail()
 *   declare readonly email: string;
 * }
 *
 * const command = new CreateUser({ name: 'Ada', email: 'ada@example.com', requestedBy: 'u-1' });
 * ```
 *
 * Every prop, envelope and subclass fields alike, becomes an enumerable, read-only own
 * property: assigning one throws a `TypeError` in strict mode. From the second instance of a
 * class on (once the class is known to define no fields of its own) the message is frozen;
 * @nestjs/cqrs can still attach its `AsyncContext` to it (request-scoped handlers).
 *
 * Fields declared in the class body (`declare readonly name: string` or `readonly name!:
 * string`) work under both `useDefineForClassFields` settings: the given prop wins over the
 * field's declaration (see `class-field-guard.ts`). A prop may not shadow a getter or method
 * of the class (a `TypeError`). Props that are `undefined` are not defined at all.
 *
 * @throws TypeError when `props` is not an object, or when `requestId`, `correlationId` (at most
 *   128 characters of `[A-Za-z0-9._:-]`), `requestedBy` (a string) or `requestedAt` (a valid
 *   `Date` or an ISO 8601 date-time with a time zone) is given and invalid.
 */
// @nestjs/cqrs before 11 has no `Command`: importing the library must still work there, so
// that the startup peer check can refuse that version by name instead of this line throwing.
const CqrsCommand: typeof Command = Command ?? (class {} as unknown as typeof Command);

abstract class CommandMessage<TResult> extends CqrsCommand<TResult> {
  /** A UUID v4 unless given. */
  declare readonly requestId: string;
  declare readonly correlationId?: string;
  declare readonly requestedBy?: string;
  /** When the command was created (a `Date`, which is always UTC), unless given. */
  declare readonly requestedAt: Date;

  constructor(props: object = {}) {
    super();
    // The returned object is `this`, or a guard around it (see class-field-guard.ts).
    return defineMessageFields(this, props, REQUEST_ENVELOPE);
  }
}
holdAsyncContextBeside(CommandMessage.prototype);
markCheckedEnvelope(CommandMessage.prototype);

/**
 * A command of result `TResult`; with `TFields`, its fields (see {@link BaseCommand}).
 */
export type BaseCommand<TResult = unknown, TFields extends object = never> = MessageInstance<
  CommandMessage<TResult>,
  TFields
>;

export const BaseCommand = CommandMessage as unknown as abstract new <
  TResult = unknown,
  TFields extends object = never,
>(
  ...args: MessageArgs<TFields, BaseMessageProps>
) => BaseCommand<TResult, TFields>;
