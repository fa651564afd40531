import { anchorShape } from '../shared/shape-anchor';

const WAITING = 0;
const RETURNED = 1;
const THREW = 2;

/**
 * One `publish` or `publishAll` call. Every event runs its own `event.dispatch` operation;
 * the publisher is called once, with the whole batch, when every operation has reached it
 * (called `next()`) or skipped it (settled without calling `next()`). A hook that fails
 * before its operation reached the publisher refuses the batch: nothing is published and the
 * batch fails with that error.
 *
 * The `next()` of the operation that completes the batch returns the publisher's result
 * itself (or lets its synchronous throw through); the others get a promise of it.
 */
export class EventPublication {
  // Every field is set by the constructor, so every publication has one shape (kept alive below).
  private open: number;
  private readonly reached: boolean[];
  private state: number = WAITING;
  /** The publisher's result, or what it (or a refusing hook) threw. */
  private outcome: unknown = undefined;
  private deferred: Deferred | undefined = undefined;
  private rejectedWith: unknown = undefined;
  private hasRejection = false;

  constructor(
    private readonly events: readonly unknown[],
    private readonly publish: (events: readonly unknown[]) => unknown,
  ) {
    this.open = events.length;
    this.reached = new Array<boolean>(events.length).fill(false);
  }

  /** True once the publisher has been called or the batch refused. */
  get settled(): boolean {
    return this.state !== WAITING;
  }

  hasReached(index: number): boolean {
    return this.reached[index] === true;
  }

  /** Whether `value` is the publisher's own return value (nothing of ours to watch). */
  isPublisherResult(value: unknown): boolean {
    return this.state === RETURNED && value === this.outcome;
  }

  /** Whether `error` is the batch's own failure: the publisher's throw or rejection, a refusal. */
  isOwnFailure(error: unknown): boolean {
    return (
      (this.state === THREW && error === this.outcome) ||
      (this.hasRejection && error === this.rejectedWith)
    );
  }

  /** The inner step of operation `index`: it reached the publisher. */
  arrive(index: number): unknown {
    if (this.state === WAITING && !this.reached[index]) {
      this.reached[index] = true;
      if (--this.open === 0) {
        if (!this.fire()) throw this.outcome;
        return this.outcome;
      }
    }
    if (this.state === RETURNED) return this.outcome;
    if (this.state === THREW) return quietRejection(this.outcome);
    return this.pending().promise;
  }

  /** Operation `index` settled; if it never reached the publisher, its event is skipped. */
  leave(index: number): void {
    if (this.state !== WAITING || this.reached[index]) return;
    if (--this.open === 0) this.fire();
  }

  /** A hook of operation `index` failed while the batch was open: nothing is published. */
  refuse(error: unknown): void {
    if (this.state !== WAITING) return;
    this.state = THREW;
    this.outcome = error;
    this.deferred?.reject(error);
  }

  /**
   * What the caller of `publish`/`publishAll` gets: once settled, the publisher's own value
   * or throw; before, a promise of it that never counts as an unhandled rejection (a
   * fire-and-forget caller does not await it).
   */
  callerResult(): unknown {
    if (this.state === RETURNED) return this.outcome;
    if (this.state === THREW) throw this.outcome;
    return this.pending().promise;
  }

  /** Calls the publisher with the events that reached it; false when it threw. */
  private fire(): boolean {
    const events = this.events;
    const batch = this.reached.every(Boolean)
      ? events
      : events.filter((_event, i) => this.reached[i]);
    try {
      this.outcome = batch.length === 0 ? undefined : this.publish(batch);
      this.state = RETURNED;
    } catch (error) {
      this.outcome = error;
      this.state = THREW;
    }
    const outcome = this.outcome;
    if (this.state === RETURNED && outcome instanceof Promise) {
      // Remember the publisher's own rejection, so it is not mistaken for a hook's failure
      // when it comes back through the operations (a native promise: no side effect).
      outcome.then(undefined, (error: unknown) => {
        this.rejectedWith = error;
        this.hasRejection = true;
      });
    }
    const returned = this.state === RETURNED;
    const deferred = this.deferred;
    if (deferred !== undefined) {
      if (returned) deferred.resolve(outcome);
      else deferred.reject(outcome);
    }
    return returned;
  }

  private pending(): Deferred {
    return (this.deferred ??= new Deferred());
  }
}

class Deferred {
  readonly promise: Promise<unknown>;
  resolve!: (value: unknown) => void;
  reject!: (error: unknown) => void;

  constructor() {
    this.promise = new Promise((resolve, reject) => {
      this.resolve = resolve;
      this.reject = reject;
    });
    this.promise.then(undefined, ignore);
  }
}

function quietRejection(error: unknown): Promise<never> {
  const promise = Promise.reject(error);
  promise.then(undefined, ignore);
  return promise;
}

function ignore(): void {}

// One per `publish`, dropped once its events have run (shape-anchor.ts).
anchorShape(new EventPublication([undefined], () => undefined));
