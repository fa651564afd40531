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

/** Runs `fn` in a new context holding the current one's values with `values` over them. */
export function runWithStore<T>(values: ClsStore, fn: () => T): T {
  const cls = ClsServiceManager.getClsService();
  return cls.runWith({ ...(cls.get() as ClsStore | undefined), ...values }, fn);
}
