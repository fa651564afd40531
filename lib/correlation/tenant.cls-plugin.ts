import type { ExecutionContext } from '@nestjs/common';
import { ClsPluginBase, type ClsService } from 'nestjs-cls';
import { RESOLVED_OPTIONS } from '../shared/tokens';
import { echo, httpOf } from './correlation.cls-plugin';
import { REQUEST_TENANT_ID } from './correlation.internal-constants';
import { isValidTenantId } from './tenant.context';
import type { ResolvedTenantOptions } from './tenant.options';

/** The part of the module's resolved options read here (the module provides all of them). */
type ModuleOptions = { readonly tenant: ResolvedTenantOptions | false };

/**
 * A nestjs-cls plugin: when the application's ClsModule opens a context for an HTTP request,
 * a valid tenant id in the `tenant.header` is kept for the request's dispatches (below the
 * application's own `tenant.fromCls` key) and echoed on the response. A bad value is dropped
 * unseen. Built on demand, like the correlation plugin, for nestjs-cls without the plugin API.
 */
export function createTenantClsPlugin(): ClsPluginBase {
  class TenantClsPlugin extends ClsPluginBase {
    constructor() {
      super('cqrs-observability-tenant');
      this.registerHooks({
        inject: [RESOLVED_OPTIONS],
        useFactory: (options: ModuleOptions) => ({
          afterSetup: (
            cls: ClsService,
            context: { kind: string; req?: unknown; res?: unknown; ctx?: ExecutionContext },
          ) => {
            const tenant = options.tenant;
            if (tenant === false || tenant.header === false) return;
            const { req, res } = httpOf(context);
            const value = req?.headers?.[tenant.header];
            if (!isValidTenantId(value)) return;
            const store = cls.get() as Record<symbol, unknown>;
            if (store[REQUEST_TENANT_ID] !== undefined) return;
            store[REQUEST_TENANT_ID] = value;
            if (tenant.echo && res !== undefined) echo(res, tenant.header, value);
          },
        }),
      });
    }
  }
  return new TenantClsPlugin();
}
