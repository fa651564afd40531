export { BaseCommand, type CommandProps } from './base-command';
export { BaseEvent, type EventProps } from './base-event';
export { BaseQuery, type QueryProps } from './base-query';
export type {
  BaseEventProps,
  BaseMessageProps,
  ExtraMessageProps,
  OwnFields,
} from './message-props';
export { PaginatedQuery, type PaginatedQueryProps, type PagingProps } from './paginated-query';
