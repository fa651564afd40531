import { performance } from 'node:perf_hooks';
import type { MessageIds } from '../correlation/message-ids';
import type { CqrsSpan } from '../shared/cqrs-span';
import type { CqrsOperationContext, OperationAttributes } from './hook.types';
import type { OperationDescriptor } from './operation-descriptor';
import { anchorShape } from '../shared/shape-anchor';
import { isThenable } from './thenable';

/**
 * Told how the rest of an operation's chain ended. Registered on the frame by a signal as the
 * chain reaches it; its own failures go to `report` and never reach the caller.
 */
export interface OutcomeObserver<S = unknown> {
  onSuccess(state: S, result: unknown): void;
  onError(state: S, error: unknown): void;
  report(failure: unknown): void;
}

/** One registration of the chain, as the frame walks it (`Registration` implements it). */
export interface ChainLink {
  /** A watching signal: run inline by `start`, the chain goes on. */
  readonly observes: boolean;
  /** A built-in signal around the rest of the chain: the frame calls it without a trampoline. */
  readonly around: { around(frame: OperationFrame): unknown } | undefined;
  appliesTo(frame: OperationFrame): boolean;
  start(frame: OperationFrame): void;
  /** Runs a user hook or interceptor around the rest of the chain. */
  invoke(frame: OperationFrame): unknown;
}

type Inner = (this: unknown, a: unknown, b: unknown) => unknown;

/** V8's message for a stack overflow, compared as is: out of stack, a call could throw again. */
const STACK_OVERFLOW = 'Maximum call stack size exceeded';

/** `OperationFrame.lastResult` when the latest `proceed()` threw. */
export const NOT_RETURNED: unique symbol = Symbol('not returned');

const NOT_RUN = 0;
const RUNNING = 1;
const RETURNED = 2;
const THREW = 3;

/**
 * One dispatch of one operation, owned by the pipeline: what signals read (the descriptor,
 * the ids, the start time, the span, the saga's trigger) and the chain itself — a cursor over
 * the matching registrations, walked without a closure per link. Signals that only watch the
 * outcome (metrics, logs, Sentry) run in the walk's loop and add no stack frame; their
 * observers are told once, by one `then` per group, however the rest of the chain ends.
 *
 * Nested dispatches stack one walk per dispatch (and one more inside a span), so the walk is
 * a single small method: the loop, the built-ins' calls and the operation's call in one
 * frame, the rare work (settling a group, an outcome's bookkeeping) in methods of their own.
 */
export class OperationFrame {
  /** The operation's span, once the tracing signal has made it. */
  span: CqrsSpan | undefined = undefined;
  /** `saga.run`: the event whose handling made the saga emit (its publish span is the parent). */
  sagaTrigger: unknown = undefined;
  private cursor = 0;
  private startTime = -1;
  /** Flat pairs of observer and state; a group is the pairs added since its `proceed()`. */
  private watchers: unknown[] | undefined = undefined;
  private groupStart = 0;
  private innerState = NOT_RUN;
  private innerError: unknown = undefined;
  private userContext: CqrsOperationContext | undefined = undefined;
  private lastOutcome: unknown = NOT_RETURNED;
  private lastThrown: unknown = undefined;

  constructor(
    readonly descriptor: OperationDescriptor,
    readonly attributes: OperationAttributes,
    readonly ids: MessageIds | undefined,
    /** The class `messageTypes` filters compare (for `saga.run`, the emitted command's). */
    readonly messageClass: unknown,
    private readonly links: readonly ChainLink[],
    private readonly target: unknown,
    private readonly inner: Inner,
    private readonly arg0: unknown,
    private readonly arg1?: unknown,
  ) {}

  get operation(): string {
    return this.descriptor.operation;
  }

  /** Milliseconds (performance.now()) when the first signal asked: one clock read for all. */
  get startedAt(): number {
    if (this.startTime < 0) this.startTime = performance.now();
    return this.startTime;
  }

  /** `{ operation, attributes }`, the one context object user interceptors share. */
  get context(): CqrsOperationContext {
    return (this.userContext ??= {
      operation: this.descriptor.operation,
      attributes: this.attributes,
    });
  }

  /**
   * How far the chain has got: grows with every registration reached and once more when the
   * operation runs. A signal that hands `proceed` to a call it does not own (a context
   * manager) reads it before and after, to know whether the rest of the chain ran.
   */
  get step(): number {
    return this.innerState === NOT_RUN ? this.cursor : this.links.length + 1;
  }

  /**
   * What the latest `proceed()` to end returned, or `NOT_RETURNED` when it threw (`lastError`):
   * that signal recovers the rest of the chain's outcome here, whatever the call it handed
   * `proceed` to made of it.
   */
  get lastResult(): unknown {
    return this.lastOutcome;
  }

  get lastError(): unknown {
    return this.lastThrown;
  }

  /** Has `observer` told how the rest of the chain ends (the part after the calling signal). */
  watch<S>(observer: OutcomeObserver<S>, state: S): void {
    const watchers = this.watchers;
    if (watchers === undefined) this.watchers = [observer, state];
    else watchers.push(observer, state);
  }

  /** Takes back the last `watch()` (a signal that could not run around the rest after all). */
  unwatch(): void {
    this.watchers!.length -= 2;
  }

  /**
   * Runs the rest of the chain: the next registrations that apply, then the operation. Returns
   * its raw result (a plain value stays plain) and lets a synchronous throw through.
   *
   * The first call runs the whole chain (the pipeline makes it). There, a synchronous throw of
   * the operation itself stays synchronous even when a user hook written as an async function
   * turned it into a rejection, as @nestjs/cqrs throws there; the hooks still see the rejection.
   */
  proceed(): unknown {
    const first = this.cursor === 0;
    const from = this.groupFrom();
    let result: unknown;
    try {
      const link = this.nextWrapping();
      if (link === undefined) {
        this.innerState = RUNNING;
        result = this.inner.call(this.target, this.arg0, this.arg1);
        this.innerState = RETURNED;
      } else {
        result = link.around !== undefined ? link.around.around(this) : link.invoke(this);
      }
    } catch (error) {
      // Recorded before any call: out of stack, a call throws again before its first line.
      this.lastOutcome = NOT_RETURNED;
      this.lastThrown = error;
      if (this.innerState === RUNNING) {
        this.innerState = THREW;
        this.innerError = error;
      }
      if (this.watchers !== undefined && this.watchers.length > from) this.fail(from, error);
      throw error;
    }
    if (this.watchers !== undefined && this.watchers.length > from) {
      try {
        result = this.settle(from, result);
      } catch (error) {
        // Out of stack right here (nesting too deep): the error goes up instead of the
        // operation's promise, which nobody will await now; left alone, its rejection would be
        // unhandled and end the process. Inline: a call could run out of stack again.
        this.lastOutcome = NOT_RETURNED;
        this.lastThrown = error;
        if (result instanceof Promise) {
          try {
            result.then(undefined, ignore);
          } catch {
            // Nothing left to do it with.
          }
        }
        throw error;
      }
    }
    if (first && this.innerState === THREW) {
      this.lastOutcome = NOT_RETURNED;
      this.lastThrown = this.innerError;
      if (isThenable(result)) result.then(undefined, ignore);
      throw this.innerError;
    }
    this.lastOutcome = result;
    return result;
  }

  /** Where this call's group of watchers starts in the list. */
  private groupFrom(): number {
    const watchers = this.watchers;
    if (watchers === undefined) return 0;
    // A user hook may call next() after its own group settled and shrank the list.
    return this.groupStart < watchers.length ? this.groupStart : watchers.length;
  }

  /**
   * Walks to the next registration that runs around the rest of the chain, starting the
   * watching ones on the way; undefined when the operation itself is next. It has returned
   * before the chain goes on: its frame is not among those a nested dispatch stacks.
   */
  private nextWrapping(): ChainLink | undefined {
    const links = this.links;
    while (this.cursor < links.length) {
      const link = links[this.cursor++]!;
      if (!link.appliesTo(this)) continue;
      if (!link.observes) {
        // What was watched so far belongs to this group; what the link watches, to the next.
        this.groupStart = this.watchers === undefined ? 0 : this.watchers.length;
        return link;
      }
      link.start(this);
    }
    return undefined;
  }

  /** Tells the group's observers (innermost first) how the operation ended; same result back. */
  private settle(from: number, result: unknown): unknown {
    const watchers = this.watchers!;
    if (!isThenable(result)) {
      notifySuccess(watchers, from, watchers.length, result);
      watchers.length = from;
      return result;
    }
    let group: unknown[];
    if (from === 0) {
      // The whole list is this group (the usual case): handed over, not copied.
      group = watchers;
      this.watchers = undefined;
    } else {
      group = watchers.slice(from);
      watchers.length = from;
    }
    const onValue = (value: unknown) => {
      notifySuccess(group, 0, group.length, value);
      return value;
    };
    const onError = (error: unknown) => {
      notifyError(group, 0, group.length, error);
      throw error;
    };
    // A foreign thenable may call back twice, synchronously, or both ways: adopting it into a
    // native promise settles it once, to what the caller's own `await` would have given.
    const adopted = result instanceof Promise ? result : Promise.resolve(result);
    return adopted.then(onValue, onError);
  }

  private fail(from: number, error: unknown): void {
    const watchers = this.watchers!;
    if (error instanceof RangeError && error.message === STACK_OVERFLOW) {
      // Out of stack (nesting too deep): the observers would run out too, half-way through
      // their work. They are told once the stack has unwound; the error goes up at once.
      const group = watchers.slice(from);
      watchers.length = from;
      queueMicrotask(() => notifyError(group, 0, group.length, error));
      return;
    }
    notifyError(watchers, from, watchers.length, error);
    watchers.length = from;
  }
}

// A frame whose start time was read: its fields hold what a dispatch's do (shape-anchor.ts).
void anchorShape(
  new OperationFrame(
    undefined as unknown as OperationDescriptor,
    {},
    undefined,
    undefined,
    [],
    undefined,
    ignore,
    undefined,
  ),
).startedAt;

function notifySuccess(watchers: unknown[], from: number, to: number, result: unknown): void {
  for (let i = to - 2; i >= from; i -= 2) {
    const observer = watchers[i] as OutcomeObserver;
    try {
      observer.onSuccess(watchers[i + 1], result);
    } catch (failure) {
      reportQuietly(observer, failure);
    }
  }
}

function notifyError(watchers: unknown[], from: number, to: number, error: unknown): void {
  for (let i = to - 2; i >= from; i -= 2) {
    const observer = watchers[i] as OutcomeObserver;
    try {
      observer.onError(watchers[i + 1], error);
    } catch (failure) {
      reportQuietly(observer, failure);
    }
  }
}

/** A reporter that fails (out of stack, a broken logger) must not change the operation. */
function reportQuietly(observer: OutcomeObserver, failure: unknown): void {
  try {
    observer.report(failure);
  } catch {
    // Nothing left to tell.
  }
}

function ignore(): void {}
