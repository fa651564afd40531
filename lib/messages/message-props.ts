/**
 * The envelope fields every command and query accepts in its props. All optional: omitted ones
 * are generated (`requestId`, `requestedAt`) or left absent (`correlationId`, `requestedBy`).
 */
export type BaseMessageProps = {
  /**
   * Keeps the id of a message rebuilt from elsewhere (a queue, an outbox). At most 128
   * characters of `[A-Za-z0-9._:-]`.
   * @default crypto.randomUUID()
   */
  readonly requestId?: string;
  /** The id of the whole flow; at most 128 characters of `[A-Za-z0-9._:-]`. */
  readonly correlationId?: string;
  /** Who asked for it: a user or service id. */
  readonly requestedBy?: string;
  /**
   * A `Date` or an ISO 8601 date-time with `Z` or an offset.
   * @default new Date()
   */
  readonly requestedAt?: Date | string;
};

/** The envelope fields every event accepts in its props. */
export type BaseEventProps = {
  /**
   * At most 128 characters of `[A-Za-z0-9._:-]`.
   * @default crypto.randomUUID()
   */
  readonly eventId?: string;
  /** The id of the whole flow; at most 128 characters of `[A-Za-z0-9._:-]`. */
  readonly correlationId?: string;
  /**
   * A `Date` or an ISO 8601 date-time with `Z` or an offset.
   * @default new Date()
   */
  readonly occurredAt?: Date | string;
};

/**
 * Fields of a message class without a constructor of its own: any extra field is accepted.
 * `this` types are not allowed in constructor parameters, so the base constructors cannot
 * know the subclass's fields; a subclass that wants them checked declares
 * `constructor(props: CommandProps<CreateUser>) { super(props); }`.
 */
export type ExtraMessageProps = { readonly [field: string]: unknown };

/**
 * The keys of `T`'s data fields: string keys whose value is not a function, minus the keys of
 * `TBase` (the envelope, the result-type symbol, inherited getters). Getters a subclass adds
 * itself cannot be told apart from fields at the type level; `Omit` them from the props type.
 */
type OwnFieldKeys<T, TBase> = {
  [K in keyof T]-?: K extends keyof TBase
    ? never
    : K extends string
      ? T[K] extends (...args: never[]) => unknown
        ? never
        : K
      : never;
}[keyof T];

/** `Pick` keeps each field's optional modifier, so `declare readonly note?: string` stays optional. */
export type OwnFields<T, TBase> = Pick<T, OwnFieldKeys<T, TBase>>;

/**
 * The constructor arguments of a message class whose fields are `TFields` (its second type
 * argument): exactly those fields plus the envelope, so a misspelt or ill-typed prop does not
 * compile. Without a second type argument (`never`), any extra field is accepted.
 */
export type MessageArgs<TFields, TEnvelope> = [TFields] extends [never]
  ? [props?: TEnvelope & ExtraMessageProps]
  : [props: TFields & TEnvelope];

/** An instance of base class `TBase` carrying `TFields` as read-only fields. */
export type MessageInstance<TBase, TFields> = [TFields] extends [never]
  ? TBase
  : TBase & Readonly<TFields>;
