import { Query } from '@nestjs/cqrs';
import { defineMessageFields, REQUEST_ENVELOPE } from './message-fields';
import type { BaseMessageProps, ExtraMessageProps, OwnFields } from './message-props';

/**
 * The props of query `T`: its own data fields plus the optional envelope fields. For a
 * subclass constructor that checks its fields:
 * `constructor(props: QueryProps<GetUser>) { super(props); }`.
 */
export type QueryProps<T> = OwnFields<T, BaseQuery> & BaseMessageProps;

/**
 * Base class for queries: an immutable message built from one props object, carrying the
 * result type its handler returns so `queryBus.execute(new GetUser(…))` is typed
 * `Promise<User>`.
 *
 * ```ts
 * export class GetUser extends BaseQuery<User> {
 *   @IsUUID()
 *   declare readonly userId: string;
 * }
 * ```
 *
 * Built exactly like a {@link BaseCommand}; read its documentation before adding fields:
 * declare them with `declare readonly`, never with an initialiser.
 *
 * @throws TypeError like {@link BaseCommand}.
 */
export abstract class BaseQuery<TResult = unknown> extends Query<TResult> {
  /** A UUID v4 unless given. */
  declare readonly requestId: string;
  declare readonly correlationId?: string;
  declare readonly requestedBy?: string;
  /** When the query was created (a `Date`, which is always UTC), unless given. */
  declare readonly requestedAt: Date;

  constructor(props: BaseMessageProps & ExtraMessageProps = {}) {
    super();
    // The returned object is `this`, or a guard around it (see class-field-guard.ts).
    return defineMessageFields(this, props, REQUEST_ENVELOPE);
  }
}
