import type { ExecutionContext } from '@nestjs/common';

export interface HttpRequestLike {
  headers?: Record<string, string | string[] | undefined>;
}
export interface HttpResponseLike {
  headersSent?: boolean;
  setHeader?: (name: string, value: string) => unknown;
  header?: (name: string, value: string) => unknown;
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
