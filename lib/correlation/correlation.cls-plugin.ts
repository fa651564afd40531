import type { ExecutionContext } from '@nestjs/common';
import { echo, httpOf, type HttpRequestLike, type HttpResponseLike } from './http-context';
import { ClsModule, ClsPluginBase, type ClsService } from 'nestjs-cls';
import { RESOLVED_OPTIONS } from '../shared/tokens';
import type { ResolvedCorrelationOptions } from './correlation.options';
import { REQUEST_ID_HEADER } from './correlation.constants';
import { generateCorrelationId, isValidCorrelationId } from './correlation-id';
import { CORRELATION_ID } from './correlation.internal-constants';
import type { ResolvedTenantOptions } from './tenant.options';
import { adoptRequestTenant } from './tenant.request-header';

/** The part of the module's resolved options read here (the module provides all of them). */
type ModuleOptions = {
  readonly correlation: ResolvedCorrelationOptions | false;
  readonly tenant: ResolvedTenantOptions | false;
};

/**
 * A nestjs-cls plugin: when the application's ClsModule opens a context for an HTTP request
 * (middleware, guard or interceptor mount), the flow's correlation id is taken from the
 * request header — if it is a valid id — or generated, and echoed on the response; with
 * `tenant` on, the tenant header is read the same way (`tenant.request-header.ts`).
 *
 * Built on demand rather than declared at the top level: a nestjs-cls without the plugin API
 * (before 6) must not make importing the library throw; the module then skips the plugin.
 */
export function createRequestClsPlugin(): ClsPluginBase {
  class RequestClsPlugin extends ClsPluginBase {
    constructor() {
      super('cqrs-observability-request');
      this.registerHooks({
        inject: [RESOLVED_OPTIONS],
        useFactory: (options: ModuleOptions) => ({
          afterSetup: (
            cls: ClsService,
            context: { kind: string; req?: unknown; res?: unknown; ctx?: ExecutionContext },
          ) => {
            const { correlation, tenant } = options;
            if (correlation === false && tenant === false) return;
            const { req, res } = httpOf(context);
            if (req === undefined) return;
            const store = cls.get() as Record<symbol, unknown>;
            if (correlation !== false) adoptCorrelationId(store, req, res, correlation);
            adoptRequestTenant(store, req, res, tenant);
          },
        }),
      });
    }
  }
  return new RequestClsPlugin();
}

function adoptCorrelationId(
  store: Record<symbol, unknown>,
  req: HttpRequestLike,
  res: HttpResponseLike | undefined,
  correlation: ResolvedCorrelationOptions,
): void {
  // Never overwrite an id someone upstream (another plugin, the app's setup) chose.
  if (store[CORRELATION_ID] !== undefined) return;
  const id = incomingId(req, correlation.header) ?? generateCorrelationId();
  store[CORRELATION_ID] = id;
  if (correlation.echo && res !== undefined) echo(res, correlation.header, id);
}

/** Whether the installed nestjs-cls has the plugin API (6 and later). */
export function clsSupportsPlugins(): boolean {
  return (
    typeof ClsPluginBase === 'function' &&
    typeof (ClsModule as { registerPlugins?: unknown }).registerPlugins === 'function'
  );
}

/** The first valid id among the configured header and `x-request-id`; bad values are dropped unseen. */
function incomingId(req: HttpRequestLike, header: string): string | undefined {
  const headers = req.headers;
  if (headers === undefined) return undefined;
  for (const name of header === REQUEST_ID_HEADER ? [header] : [header, REQUEST_ID_HEADER]) {
    const value = headers[name];
    if (isValidCorrelationId(value)) return value;
  }
  return undefined;
}
