import { echo, type HttpRequestLike, type HttpResponseLike } from './http-context';
import { REQUEST_TENANT_ID } from './correlation.internal-constants';
import { isValidTenantId } from './tenant.context';
import type { ResolvedTenantOptions } from './tenant.options';

/**
 * For the context nestjs-cls opens for an HTTP request (the request plugin calls it): a valid
 * tenant id in the `tenant.header` is kept for the request's dispatches (below the
 * application's own `tenant.fromCls` key) and echoed on the response. A bad value is dropped
 * unseen.
 */
export function adoptRequestTenant(
  store: Record<symbol, unknown>,
  req: HttpRequestLike | undefined,
  res: HttpResponseLike | undefined,
  tenant: ResolvedTenantOptions | false,
): void {
  if (tenant === false || tenant.header === false) return;
  const value = req?.headers?.[tenant.header];
  if (!isValidTenantId(value)) return;
  if (store[REQUEST_TENANT_ID] !== undefined) return;
  store[REQUEST_TENANT_ID] = value;
  if (tenant.echo && res !== undefined) echo(res, tenant.header, value);
}
