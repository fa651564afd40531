import { Query } from '@nestjs/cqrs';
import { holdAsyncContextBeside } from './async-context-slot';
import { markCheckedEnvelope } from './checked-envelope';
import { defineMessageFields, REQUEST_ENVELOPE } from './message-fields';
import type { BaseMessageProps, MessageArgs, MessageInstance, OwnFields } from './message-props';

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
 * Built exactly like a {@link BaseCommand}, fields as the last type argument included.
 *
 * @throws TypeError like {@link BaseCommand}.
 */
// See base-command.ts: @nestjs/cqrs before 11 has no `Query`.
const CqrsQuery: typeof Query = Query ?? (class {} as unknown as typeof Query);

/** The class behind {@link BaseQuery}; `PaginatedQuery` extends it. */

export abstract class QueryMessage<TResult> extends CqrsQuery<TResult> {
  /** A UUID v4 unless given. */
  declare readonly requestId: string;
  declare readonly correlationId?: string;
  declare readonly requestedBy?: string;
  /** When the query was created (a `Date`, which is always UTC), unless given. */
  declare readonly requestedAt: Date;

  constructor(props: object = {}) {
    super();
    // The returned object is `this`, or a guard around it (see class-field-guard.ts).
    return defineMessageFields(this, props, REQUEST_ENVELOPE);
  }
}
holdAsyncContextBeside(QueryMessage.prototype);
markCheckedEnvelope(QueryMessage.prototype);

/** A query of result `TResult`; with `TFields`, its fields (see {@link BaseQuery}). */
export type BaseQuery<TResult = unknown, TFields extends object = never> = MessageInstance<
  QueryMessage<TResult>,
  TFields
>;

export const BaseQuery = QueryMessage as unknown as abstract new <
  TResult = unknown,
  TFields extends object = never,
>(
  ...args: MessageArgs<TFields, BaseMessageProps>
) => BaseQuery<TResult, TFields>;
