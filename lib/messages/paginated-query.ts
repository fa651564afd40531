import { IsInt, Max, Min } from 'class-validator';
import { QueryMessage } from './base-query';
import type {
  BaseMessageProps,
  ExtraMessageProps,
  MessageArgs,
  MessageInstance,
  OwnFields,
} from './message-props';

const DEFAULT_PAGE = 1;
const DEFAULT_PAGE_SIZE = 10;
const MAX_PAGE_SIZE = 100;

// Up to 15 digits: every such integer is exact as a number; longer strings stay strings and
// fail `@IsInt()` instead of turning into a rounded float.
const INTEGER_STRING = /^[+-]?\d{1,15}$/;

/**
 * Paging as it arrives from a controller: numbers, or the raw strings of a query string
 * (`?page=2&pageSize=50`). Integer strings become numbers; anything else is kept as given so
 * validation at dispatch can report it.
 */
export type PagingProps = {
  /** @default 1 */
  readonly page?: number | string;
  /** @default 10 */
  readonly pageSize?: number | string;
};

/**
 * The props of paginated query `T`: its own data fields, the paging and the optional envelope
 * fields. For a subclass constructor that checks its fields:
 * `constructor(props: PaginatedQueryProps<ListUsers>) { super(props); }`.
 */
export type PaginatedQueryProps<T> = OwnFields<T, PaginatedQuery> & BaseMessageProps & PagingProps;

/**
 * A {@link BaseQuery} with `page` (an integer >= 1, default 1) and `pageSize` (an integer from
 * 1 to 100, default 10).
 *
 * ```ts
 * export class ListUsers extends PaginatedQuery<Page<User>> {
 *   declare readonly nameContains?: string;
 * }
 *
 * @Get()
 * list(@Query() query: Record<string, string>) {
 *   return this.queryBus.execute(new ListUsers({ page: query.page, pageSize: query.pageSize }));
 * }
 * ```
 *
 * Out-of-range or non-integer paging does not throw here: the class-validator decorators on
 * `page` and `pageSize` are checked at dispatch, so one `MessageValidationError` reports every
 * bad field of the request together.
 */
abstract class PaginatedQueryMessage<TResult> extends QueryMessage<TResult> {
  /** 1-based. */
  @IsInt()
  @Min(1)
  declare readonly page: number;

  @IsInt()
  @Min(1)
  @Max(MAX_PAGE_SIZE)
  declare readonly pageSize: number;

  constructor(props: object = {}) {
    super(withPaging(props));
  }

  /** How many items to skip: `(page - 1) * pageSize`. */
  get offset(): number {
    return (this.page - 1) * this.pageSize;
  }

  /** How many items to take: `pageSize`. */
  get limit(): number {
    return this.pageSize;
  }
}

function withPaging(props: unknown): BaseMessageProps & ExtraMessageProps {
  // Not an object: BaseQuery throws the TypeError that names the class.
  if (typeof props !== 'object' || props === null || Array.isArray(props)) {
    return props as BaseMessageProps & ExtraMessageProps;
  }
  const { page, pageSize } = props as PagingProps;
  return {
    ...props,
    page: toPagingNumber(page, DEFAULT_PAGE),
    pageSize: toPagingNumber(pageSize, DEFAULT_PAGE_SIZE),
  };
}

function toPagingNumber(value: unknown, fallback: number): unknown {
  if (value === undefined) return fallback;
  if (typeof value === 'string' && INTEGER_STRING.test(value)) return Number(value);
  return value;
}

/**
 * A paginated query of result `TResult`; with `TFields`, its own fields besides the paging (see
 * {@link PaginatedQuery}).
 */
export type PaginatedQuery<TResult = unknown, TFields extends object = never> = MessageInstance<
  PaginatedQueryMessage<TResult>,
  TFields
>;

export const PaginatedQuery = PaginatedQueryMessage as unknown as abstract new <
  TResult = unknown,
  TFields extends object = never,
>(
  ...args: MessageArgs<TFields, BaseMessageProps & PagingProps>
) => PaginatedQuery<TResult, TFields>;
