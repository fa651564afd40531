/** What an instrumented operation is about. */
export type MessageKind = 'command' | 'query' | 'event' | 'saga';

/**
 * Attributes of an operation, as hooks and interceptors see them. Keys follow the reference
 * toolkit (`message_type`, `correlation_id`, …) plus per-operation ones such as `event.type`.
 */
export interface OperationAttributes {
  kind?: MessageKind;
  /** The message's class name. */
  message_type?: string;
  /** The message object itself (commands, queries, events; the emitted command for sagas). */
  message?: unknown;
  message_id?: string;
  correlation_id?: string;
  causation_id?: string;
  /** Class name of the handler (or saga) that handles the message. */
  handler?: string;
  [key: string]: unknown;
}

/** Continues the pipeline: the next hook, or the operation itself. Call it at most once. */
export type HookNext = () => Promise<unknown>;

/**
 * A hook around an operation, middleware style: do work before, call `next()`,
 * do work after. Its result is the operation's result; what it throws propagates.
 */
export type InstrumentationHook = (
  operation: string,
  attributes: OperationAttributes,
  next: HookNext,
) => Promise<unknown> | unknown;

/** The context an interceptor sees: one object per operation, shared by the whole chain. */
export interface CqrsOperationContext {
  /** Dotted operation name, e.g. `command.execute.CreateOrderCommand`. */
  readonly operation: string;
  readonly attributes: OperationAttributes;
}

/**
 * A class-based hook. Classes listed in `interceptors` are resolved through Nest's DI, so
 * they can inject services. Optional `operations` and `priority` fields choose where it runs
 * (defaults: the five message operations, priority 0).
 */
export interface CqrsInterceptor {
  readonly operations?: readonly string[];
  readonly priority?: number;
  intercept(context: CqrsOperationContext, next: HookNext): Promise<unknown> | unknown;
}

export interface HookRegistrationOptions {
  /** fnmatch patterns of operation names. @default ['*'] */
  operations?: readonly string[];
  /** Lower runs first (outer). Ties keep registration order. @default 0 */
  priority?: number;
  /** Runs only when this returns true for the operation. */
  predicate?: (operation: string, attributes: OperationAttributes) => boolean;
  /** Runs only for messages whose class is exactly one of these. */
  messageTypes?: readonly (abstract new (...args: any[]) => unknown)[];
  /** @default true */
  enabled?: boolean;
}

/** Handle returned by `HookRegistry.register()`. */
export interface HookRegistration {
  /** Turn the hook off and on at runtime. */
  enabled: boolean;
  readonly operations: readonly string[];
  readonly priority: number;
  /** Remove the hook from the registry. Idempotent. */
  unregister(): void;
}
