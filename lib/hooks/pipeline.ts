import type { CqrsOperationContext, HookNext } from './hook.types';
import type { Registration } from './hook.registry';

const NOT_RUN = 0;
const RETURNED = 1;
const THREW = 2;

/** One pass of an operation through its matching registrations. */
export class Pipeline {
  private innerState = NOT_RUN;
  private innerError: unknown;

  constructor(
    private readonly candidates: readonly Registration[],
    private readonly context: CqrsOperationContext,
    private readonly inner: () => unknown,
  ) {}

  start(): unknown {
    const result = this.from(0);
    if (this.innerState === THREW) {
      // A user hook written as an async function turns the handler's synchronous throw into
      // a rejection; @nestjs/cqrs throws synchronously there, so we do too. The hooks still
      // see the rejection and settle on their own.
      if (isThenable(result)) result.then(undefined, ignore);
      throw this.innerError;
    }
    return result;
  }

  private from(index: number): unknown {
    const candidates = this.candidates;
    for (let i = index; i < candidates.length; i++) {
      const registration = candidates[i]!;
      if (!registration.appliesTo(this.context)) continue;
      return registration.invoke(this.context, this.nextAfter(i + 1, registration.rawNext));
    }
    return this.runInner();
  }

  private nextAfter(index: number, raw: boolean): HookNext {
    let called = false;
    const advance = (): unknown => {
      if (called) {
        throw new Error(
          `A hook called next() more than once for operation "${this.context.operation}"`,
        );
      }
      called = true;
      return this.from(index);
    };
    if (raw) return advance as HookNext;
    return () => {
      try {
        return Promise.resolve(advance());
      } catch (error) {
        return Promise.reject(error);
      }
    };
  }

  private runInner(): unknown {
    try {
      const result = this.inner();
      this.innerState = RETURNED;
      return result;
    } catch (error) {
      this.innerState = THREW;
      this.innerError = error;
      throw error;
    }
  }
}

/**
 * Whether `value` is a promise or another thenable. A `then` getter that throws makes it a
 * plain value, as the bus returns it untouched (the caller's own `await` then sees the throw).
 */
export function isThenable(value: unknown): value is PromiseLike<unknown> {
  if (value === null || (typeof value !== 'object' && typeof value !== 'function')) return false;
  if (value instanceof Promise) return true;
  try {
    return typeof (value as PromiseLike<unknown>).then === 'function';
  } catch {
    return false;
  }
}

function ignore(): void {}
