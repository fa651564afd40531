import type {
  CqrsInterceptor,
  CqrsOperationContext,
  HookNext,
  HookRegistration,
  HookRegistrationOptions,
  InstrumentationHook,
} from './hook.types';
import { classOf } from './message-type';
import { compileOperationPatterns, type OperationMatcher } from './operation-pattern';

/**
 * Internal registration flag for the built-in interceptors: their `next()` hands back the
 * handler's own return value and lets a synchronous throw through, so the bus keeps
 * @nestjs/cqrs's synchronous errors. User hooks always get a Promise-returning `next()`.
 */
export const RAW_NEXT = Symbol('cqrs-observability.raw-next');

export interface InternalRegistrationOptions extends HookRegistrationOptions {
  [RAW_NEXT]?: boolean;
}

/** One registered hook or interceptor with its filters. */
export class Registration implements HookRegistration {
  enabled: boolean;
  readonly operations: readonly string[];
  readonly priority: number;
  readonly rawNext: boolean;
  readonly matchesOperation: OperationMatcher;
  private readonly predicate: HookRegistrationOptions['predicate'];
  private readonly messageTypes: ReadonlySet<unknown> | undefined;

  constructor(
    readonly target: InstrumentationHook | CqrsInterceptor,
    readonly sequence: number,
    options: InternalRegistrationOptions,
    private readonly onUnregister: (registration: Registration) => void,
  ) {
    this.operations = Object.freeze([...(options.operations ?? ['*'])]);
    this.priority = options.priority ?? 0;
    this.enabled = options.enabled ?? true;
    this.predicate = options.predicate;
    this.messageTypes = options.messageTypes?.length ? new Set(options.messageTypes) : undefined;
    this.rawNext = options[RAW_NEXT] === true;
    this.matchesOperation = compileOperationPatterns(this.operations);
  }

  /** The filters that depend on the call: the flag, the message class and the predicate. */
  appliesTo(context: CqrsOperationContext): boolean {
    if (!this.enabled) return false;
    if (this.messageTypes !== undefined) {
      if (!this.messageTypes.has(classOf(context.attributes.message))) return false;
    }
    return this.predicate === undefined || this.predicate(context.operation, context.attributes);
  }

  invoke(context: CqrsOperationContext, next: HookNext): unknown {
    const target = this.target;
    return typeof target === 'function'
      ? target(context.operation, context.attributes, next)
      : target.intercept(context, next);
  }

  unregister(): void {
    this.onUnregister(this);
  }
}
