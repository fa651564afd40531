import type { ExecutionContext } from '@nestjs/common';
import { ClsModule, ClsPluginBase, type ClsService } from 'nestjs-cls';
import { RESOLVED_OPTIONS } from '../shared/tokens';
import type { ResolvedCorrelationOptions } from './correlation.options';
import { REQUEST_ID_HEADER } from './correlation.constants';
import { generateCorrelationId, isValidCorrelationId } from './correlation-id';
import { CORRELATION_ID } from './correlation.internal-constants';

/** The part of the module's resolved options read here (the module provides all of them). */
type ModuleOptions = { readonly correlation: ResolvedCorrelationOptions | false };

export interface HttpRequestLike {
  headers?: Record<string, string | string[] | undefined>;
}
interface HttpResponseLike {
  headersSent?: boolean;
  setHeader?: (name: string, value: string) => unknown;
  header?: (name: string, value: string) => unknown;
}

/**
 * A nestjs-cls plugin: when the application's ClsModule opens a context for an HTTP request
 * (middleware, guard or interceptor mount), the flow's correlation id is taken from the
 * request header — if it is a valid id — or generated, and echoed on the response.
 *
 * Built on demand rather than declared at the top level: a nestjs-cls without the plugin API
 * (before 6) must not make importing the library throw; the module then skips the plugin.
 */
export function createCorrelationClsPlugin(): ClsPluginBase {
  class CorrelationClsPlugin extends ClsPluginBase {
    constructor() {
      super('cqrs-observability-correlation');
      this.registerHooks({
        inject: [RESOLVED_OPTIONS],
        useFactory: (options: ModuleOptions) => ({
          afterSetup: (
            cls: ClsService,
            context: { kind: string; req?: unknown; res?: unknown; ctx?: ExecutionContext },
          ) => {
            const correlation = options.correlation;
            if (correlation === false) return;
            const { req, res } = httpOf(context);
            if (req === undefined) return;
            const store = cls.get() as Record<symbol, unknown>;
            // Never overwrite an id someone upstream (another plugin, the app's setup) chose.
            if (store[CORRELATION_ID] !== undefined) return;
            const id = incomingId(req, correlation.header) ?? generateCorrelationId();
            store[CORRELATION_ID] = id;
            if (correlation.echo && res !== undefined) echo(res, correlation.header, id);
          },
        }),
      });
    }
  }
  return new CorrelationClsPlugin();
}

/** Whether the installed nestjs-cls has the plugin API (6 and later). */
export function clsSupportsPlugins(): boolean {
  return (
    typeof ClsPluginBase === 'function' &&
    typeof (ClsModule as { registerPlugins?: unknown }).registerPlugins === 'function'
  );
}

/** The HTTP request and response of a context nestjs-cls opens, if it is an HTTP one. */
export function httpOf(context: {
  kind: string;
  req?: unknown;
  res?: unknown;
  ctx?: ExecutionContext;
}): {
  req?: HttpRequestLike;
  res?: HttpResponseLike;
} {
  if (context.kind === 'middleware') {
    return { req: context.req as HttpRequestLike, res: context.res as HttpResponseLike };
  }
  if (
    (context.kind === 'guard' || context.kind === 'interceptor') &&
    context.ctx?.getType() === 'http'
  ) {
    const http = context.ctx.switchToHttp();
    return { req: http.getRequest<HttpRequestLike>(), res: http.getResponse<HttpResponseLike>() };
  }
  return {};
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

/** Sets `header` on the response unless it was sent; a refusing response is left alone. */
export function echo(res: HttpResponseLike, header: string, id: string): void {
  try {
    if (res.headersSent) return;
    if (typeof res.setHeader === 'function') res.setHeader(header, id);
    else if (typeof res.header === 'function') res.header(header, id);
  } catch {
    // A response that refuses headers must not fail the request.
  }
}
