import { Command } from '@nestjs/cqrs';
import { defineMessageFields, REQUEST_ENVELOPE } from './message-fields';
import type { BaseMessageProps, ExtraMessageProps, OwnFields } from './message-props';

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
 * `Promise<User>`.
 *
 * ```ts
 * export class CreateUser extends BaseCommand<User> {
 *   @IsEmail()
 *   declare readonly email: string;
 *   declare readonly name: string;
 * }
 *
 * const command = new CreateUser({ name: 'Ada', email: 'ada@example.com', requestedBy: 'u-1' });
 * ```
 *
 * Every prop, envelope and subclass fields alike, becomes an enumerable, non-writable,
 * non-configurable own property: assigning one throws a `TypeError` in strict mode. The
 * object itself stays extensible so @nestjs/cqrs can attach its `AsyncContext`.
 *
 * **Declare subclass fields with `declare readonly name: string;`** (decorators such as
 * class-validator's work on them under `experimentalDecorators`). A class field without
 * `declare` is emitted as a field definition when `useDefineForClassFields` is on (the default
 * from target ES2022), which runs after this constructor and fails with
 * `TypeError: Cannot redefine property`. `readonly name!: string` only works with
 * `useDefineForClassFields: false`. Never give a field an initialiser; put defaults in a
 * constructor: `super({ status: 'new', ...props })`.
 *
 * A prop may not shadow a getter or method of the class (a `TypeError`). Props that are
 * `undefined` are not defined at all.
 *
 * @throws TypeError when `props` is not an object, or when `requestId`, `correlationId` (at most
 *   128 characters of `[A-Za-z0-9._:-]`), `requestedBy` (a string) or `requestedAt` (a valid
 *   `Date` or an ISO 8601 date-time with a time zone) is given and invalid.
 */
export abstract class BaseCommand<TResult = unknown> extends Command<TResult> {
  /** A UUID v4 unless given. */
  declare readonly requestId: string;
  declare readonly correlationId?: string;
  declare readonly requestedBy?: string;
  /** When the command was created (a `Date`, which is always UTC), unless given. */
  declare readonly requestedAt: Date;

  constructor(props: BaseMessageProps & ExtraMessageProps = {}) {
    super();
    // The returned object is `this`, or a guard around it (see class-field-guard.ts).
    return defineMessageFields(this, props, REQUEST_ENVELOPE);
  }
}
