import type {
  CqrsInterceptor,
  HookNext,
  HookRegistration,
  HookRegistrationOptions,
  InstrumentationHook,
  OperationAttributes,
} from './hook.types';
import type { ChainLink, OperationFrame } from './operation-frame';
import { compileOperationPatterns, type OperationMatcher } from './operation-pattern';
import type { AroundSignal, Signal, WatchingSignal } from './signal';

const USER_HOOK = 0;
const USER_INTERCEPTOR = 1;
const AROUND = 2;
const WATCHING = 3;

/** One registered hook, interceptor or built-in signal with its filters. */
export class Registration implements HookRegistration, ChainLink {
  enabled: boolean;
  readonly operations: readonly string[];
  readonly priority: number;
  /** A built-in signal: it sees the frame, and `HookRegistry.clear()` keeps it. */
  readonly builtIn: boolean;
  /** A watching signal: the chain runs it inline and goes on. */
  readonly observes: boolean;
  /** A built-in signal around the rest of the chain, called by the frame directly. */
  readonly around: AroundSignal | undefined;
  readonly matchesOperation: OperationMatcher;
  private readonly form: number;
  private readonly predicate: HookRegistrationOptions['predicate'];
  private readonly messageTypes: ReadonlySet<unknown> | undefined;

  constructor(
    readonly target: InstrumentationHook | CqrsInterceptor | Signal,
    readonly sequence: number,
    options: HookRegistrationOptions,
    builtIn: boolean,
    private readonly onUnregister: (registration: Registration) => void,
  ) {
    this.operations = Object.freeze([...(options.operations ?? ['*'])]);
    this.priority = options.priority ?? 0;
    this.enabled = options.enabled ?? true;
    this.predicate = options.predicate;
    this.messageTypes = options.messageTypes?.length ? new Set(options.messageTypes) : undefined;
    this.builtIn = builtIn;
    this.form = !builtIn
      ? typeof target === 'function'
        ? USER_HOOK
        : USER_INTERCEPTOR
      : typeof (target as WatchingSignal).start === 'function'
        ? WATCHING
        : AROUND;
    this.observes = this.form === WATCHING;
    this.around = this.form === AROUND ? (target as AroundSignal) : undefined;
    this.matchesOperation = compileOperationPatterns(this.operations);
  }

  /** The filters that depend on the call: the flag, the message class and the predicate. */
  appliesTo(frame: OperationFrame): boolean {
    return this.admits(frame.messageClass, frame.operation, frame.attributes);
  }

  /** `appliesTo` for a call that has no frame (see lone-hook.ts). */
  admits(messageClass: unknown, operation: string, attributes: OperationAttributes): boolean {
    if (!this.enabled) return false;
    if (this.messageTypes !== undefined && !this.messageTypes.has(messageClass)) return false;
    return this.predicate === undefined || this.predicate(operation, attributes);
  }

  /** A watching signal's look at the operation; its failure is its own to report. */
  start(frame: OperationFrame): void {
    const signal = this.target as WatchingSignal;
    try {
      signal.start(frame);
    } catch (failure) {
      try {
        signal.report(failure);
      } catch {
        // A reporter that fails (out of stack) must not change the operation.
      }
    }
  }

  /** Runs a user hook or interceptor around the rest of the chain. */
  invoke(frame: OperationFrame): unknown {
    if (this.form === USER_HOOK) {
      return (this.target as InstrumentationHook)(
        frame.operation,
        frame.attributes,
        userNext(frame),
      );
    }
    return (this.target as CqrsInterceptor).intercept(frame.context, userNext(frame));
  }

  /** Runs a user hook or interceptor that is the whole chain, around `next` (lone-hook.ts). */
  invokeAlone(operation: string, attributes: OperationAttributes, next: HookNext): unknown {
    if (this.form === USER_HOOK) {
      return (this.target as InstrumentationHook)(operation, attributes, next);
    }
    return (this.target as CqrsInterceptor).intercept({ operation, attributes }, next);
  }

  unregister(): void {
    this.onUnregister(this);
  }
}

/** The `next()` a user hook gets: a promise of the rest of the chain, callable once. */
function userNext(frame: OperationFrame): HookNext {
  let called = false;
  return () => {
    if (called) return Promise.reject(nextCalledTwice(frame.operation));
    called = true;
    try {
      return Promise.resolve(frame.proceed());
    } catch (error) {
      return Promise.reject(error);
    }
  };
}

export function nextCalledTwice(operation: string): Error {
  return new Error(`A hook called next() more than once for operation "${operation}"`);
}
