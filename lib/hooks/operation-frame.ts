import { performance } from 'node:perf_hooks';
import type { MessageIds } from '../correlation/message-ids';
import type { CqrsSpan } from '../shared/cqrs-span';
import type { CqrsOperationContext, OperationAttributes } from './hook.types';
import type { OperationDescriptor } from './operation-descriptor';
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
  appliesTo(frame: OperationFrame): boolean;
  start(frame: OperationFrame): void;
  /** Runs around the rest of the chain. */
  invoke(frame: OperationFrame): unknown;
}

type Inner = (this: unknown, a: unknown, b: unknown) => unknown;

const NOT_RUN = 0;
const RETURNED = 1;
const THREW = 2;

/**
 * One dispatch of one operation, owned by the pipeline: what signals read (the descriptor,
 * the ids, the start time, the span, the saga's trigger) and the chain itself — a cursor over
 * the matching registrations, walked without a closure per link. Signals that only watch the
 * outcome (metrics, logs, Sentry) run in the walk's loop and add no stack frame; their
 * observers are told once, by one `then` per group, however the rest of the chain ends.
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
   * Runs the chain around the operation. A synchronous throw of the operation itself stays
   * synchronous even when a user hook written as an async function turned it into a
   * rejection, as @nestjs/cqrs throws there; the hooks still see the rejection.
   */
  run(): unknown {
    const result = this.proceed();
    if (this.innerState === THREW) {
      if (isThenable(result)) result.then(undefined, ignore);
      throw this.innerError;
    }
    return result;
  }

  /** Has `observer` told how the rest of the chain ends (the part after the calling signal). */
  watch<S>(observer: OutcomeObserver<S>, state: S): void {
    (this.watchers ??= []).push(observer, state);
  }

  /**
   * Runs the rest of the chain: the next registrations that apply, then the operation. Returns
   * its raw result (a plain value stays plain) and lets a synchronous throw through.
   */
  proceed(): unknown {
    const watchers = this.watchers;
    // A user hook may call next() after its own group settled and shrank the list.
    const from =
      watchers === undefined
        ? 0
        : this.groupStart < watchers.length
          ? this.groupStart
          : watchers.length;
    let result: unknown;
    try {
      result = this.advance();
    } catch (error) {
      if (this.watchers !== undefined && this.watchers.length > from) this.fail(from, error);
      throw error;
    }
    if (this.watchers !== undefined && this.watchers.length > from)
      return this.settle(from, result);
    return result;
  }

  private advance(): unknown {
    const links = this.links;
    while (this.cursor < links.length) {
      const link = links[this.cursor++]!;
      if (!link.appliesTo(this)) continue;
      if (link.observes) {
        link.start(this);
        continue;
      }
      // What was watched so far belongs to this group; what the link watches, to the next.
      this.groupStart = this.watchers === undefined ? 0 : this.watchers.length;
      return link.invoke(this);
    }
    return this.runInner();
  }

  private runInner(): unknown {
    try {
      const result = this.inner.call(this.target, this.arg0, this.arg1);
      this.innerState = RETURNED;
      return result;
    } catch (error) {
      this.innerState = THREW;
      this.innerError = error;
      throw error;
    }
  }

  /** Tells the group's observers (innermost first) how the operation ended; same result back. */
  private settle(from: number, result: unknown): unknown {
    const watchers = this.watchers!;
    if (!isThenable(result)) {
      notifySuccess(watchers, from, watchers.length, result);
      watchers.length = from;
      return result;
    }
    const group = watchers.slice(from);
    watchers.length = from;
    // A foreign thenable may call back twice, synchronously, or both ways: adopting it into a
    // native promise settles it once, to what the caller's own `await` would have given.
    const adopted = result instanceof Promise ? result : Promise.resolve(result);
    return adopted.then(
      (value) => {
        notifySuccess(group, 0, group.length, value);
        return value;
      },
      (error: unknown) => {
        notifyError(group, 0, group.length, error);
        throw error;
      },
    );
  }

  private fail(from: number, error: unknown): void {
    const watchers = this.watchers!;
    notifyError(watchers, from, watchers.length, error);
    watchers.length = from;
  }
}

function notifySuccess(watchers: unknown[], from: number, to: number, result: unknown): void {
  for (let i = to - 2; i >= from; i -= 2) {
    const observer = watchers[i] as OutcomeObserver;
    try {
      observer.onSuccess(watchers[i + 1], result);
    } catch (failure) {
      observer.report(failure);
    }
  }
}

function notifyError(watchers: unknown[], from: number, to: number, error: unknown): void {
  for (let i = to - 2; i >= from; i -= 2) {
    const observer = watchers[i] as OutcomeObserver;
    try {
      observer.onError(watchers[i + 1], error);
    } catch (failure) {
      observer.report(failure);
    }
  }
}

function ignore(): void {}
