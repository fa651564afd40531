import type { HookNext, OperationAttributes } from './hook.types';
import { nextCalledTwice, type Registration } from './registration';
import { isThenable } from './thenable';

type Inner = (this: unknown, a: unknown, b: unknown) => unknown;

/**
 * Whether a chain is one user hook or interceptor and nothing else. No built-in signal takes
 * part in the operation then, and nothing reads a frame: `runLoneHook` runs it without one.
 */
export function isLoneHook(links: readonly Registration[]): boolean {
  return links.length === 1 && !links[0]!.builtIn;
}

/**
 * Runs an operation whose whole chain is one user hook or interceptor (`isLoneHook`), without
 * an `OperationFrame`: the frame and its walk are most of what a hook otherwise adds to a
 * dispatch, and only signals read them. What `OperationFrame.proceed()` keeps for a hook at the
 * top of a chain holds here too:
 * - the registration's filters decide first; when it does not apply, the operation is called
 *   as is;
 * - `next()` answers a promise of the operation's result, once; a second call rejects;
 * - a synchronous throw of the operation stays synchronous even when the hook, written as an
 *   async function, turned it into a rejection (as @nestjs/cqrs throws there); the hook still
 *   saw the rejection;
 * - otherwise the hook's own result or throw is the caller's.
 */
export function runLoneHook(
  link: Registration,
  operation: string,
  attributes: OperationAttributes,
  messageClass: unknown,
  target: unknown,
  inner: Inner,
  arg0: unknown,
  arg1?: unknown,
): unknown {
  if (!link.admits(messageClass, operation, attributes)) return inner.call(target, arg0, arg1);
  let called = false;
  let threw = false;
  let thrown: unknown;
  const next: HookNext = () => {
    if (called) return Promise.reject(nextCalledTwice(operation));
    called = true;
    let result: unknown;
    try {
      result = inner.call(target, arg0, arg1);
    } catch (error) {
      threw = true;
      thrown = error;
      return Promise.reject(error);
    }
    try {
      return Promise.resolve(result);
    } catch (error) {
      // A promise whose `constructor` getter throws.
      return Promise.reject(error);
    }
  };
  const result = link.invokeAlone(operation, attributes, next);
  if (threw) {
    if (isThenable(result)) result.then(undefined, ignore);
    throw thrown;
  }
  return result;
}

function ignore(): void {}
