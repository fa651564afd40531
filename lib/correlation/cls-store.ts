import { ClsServiceManager } from 'nestjs-cls';

/**
 * The nestjs-cls store of the current context, as this library reads and writes it: every key
 * is a symbol (see correlation.internal-constants.ts), so an app's own string keys never clash.
 */
export type ClsStore = Record<symbol, unknown>;

/** The current context's store, or undefined outside any nestjs-cls context. */
export function currentStore(): ClsStore | undefined {
  return ClsServiceManager.getClsService().get() as ClsStore | undefined;
}

/** The current context's store, entering a context for the rest of this execution if none. */
export function writableStore(): ClsStore {
  const cls = ClsServiceManager.getClsService();
  if (!cls.isActive()) cls.enter();
  return cls.get() as ClsStore;
}

/**
 * Runs `fn` in a new context holding the current one's values with `values` over them.
 * `values` must be a fresh object: outside any context it becomes the store itself (one
 * object less per dispatch).
 */
export function runWithStore<T>(values: ClsStore, fn: () => T): T {
  const cls = ClsServiceManager.getClsService();
  const parent = cls.get() as ClsStore | undefined;
  return cls.runWith(parent === undefined ? values : Object.assign({ ...parent }, values), fn);
}

/** Runs `fn` in a new context whose store is `store` itself, as the caller built it. */
export function runInStore<T>(store: ClsStore, fn: () => T): T {
  return ClsServiceManager.getClsService().runWith(store, fn);
}
