import { type ClsStore, currentStore, runWithStore } from './cls-store';
import { REQUEST_TENANT_ID, TENANT_ID } from './correlation.internal-constants';
import { isValidId } from '../shared/id-format';
import type { ResolvedTenantOptions } from './tenant.options';

/**
 * The tenant of the current flow: inside a handler (or a saga's command), the tenant of the
 * message being handled; in an HTTP request before any dispatch, the one its header named;
 * in the handler of a transport message, the sender's. Undefined when `tenant` is off or
 * nothing named one.
 */
export function getTenantId(): string | undefined {
  const store = currentStore();
  if (store === undefined) return undefined;
  return (store[TENANT_ID] ?? store[REQUEST_TENANT_ID]) as string | undefined;
}

/** Whether `value` may be used as a tenant id: the id format (1 to 128 of `[A-Za-z0-9._:-]`). */
export function isValidTenantId(value: unknown): value is string {
  return isValidId(value);
}

/**
 * The tenant a message names itself in its `fromMessage` field, if valid. A getter that
 * throws counts as none: the bus would have dispatched the message without reading it.
 */
export function messageTenantId(message: unknown, field: string | false): string | undefined {
  if (field === false || message === null || typeof message !== 'object') return undefined;
  try {
    const value = (message as Record<string, unknown>)[field];
    return isValidId(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The tenant of the context a message is dispatched from: the flow's (the handled message's,
 * or a transport message's), else the application's nestjs-cls key, else the request header's.
 */
export function ambientTenantId(options: ResolvedTenantOptions): string | undefined {
  const store = currentStore();
  if (store === undefined) return undefined;
  const flow = store[TENANT_ID];
  if (flow !== undefined) return flow as string;
  if (options.fromCls !== undefined) {
    const own = (store as Record<string | symbol, unknown>)[options.fromCls];
    if (isValidId(own)) return own;
  }
  return store[REQUEST_TENANT_ID] as string | undefined;
}

/**
 * Runs `fn` where `tenantId` is the flow's tenant, so what it dispatches inherits it. A context
 * already holding that tenant is reused: a flow of one tenant opens one context, not one a step.
 */
export function runWithTenant<T>(tenantId: string, fn: () => T): T {
  const store = currentStore();
  if (store !== undefined && store[TENANT_ID] === tenantId) return fn();
  const values: ClsStore = { [TENANT_ID]: tenantId };
  return runWithStore(values, fn);
}
