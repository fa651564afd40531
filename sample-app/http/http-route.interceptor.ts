import {
  type CallHandler,
  type ExecutionContext,
  Injectable,
  NestInterceptor,
} from '@nestjs/common';
import { context } from '@opentelemetry/api';
import { getRPCMetadata, RPCType } from '@opentelemetry/core';
import type { Request } from 'express';
import type { Observable } from 'rxjs';

/**
 * Tells @opentelemetry/instrumentation-http the route that matched (`/orders/:id`): it then
 * names the server span `GET /orders/:id` and sets `http.route`, instead of a bare `GET` for
 * every request. The instrumentation reads the route from the RPC metadata of the request's
 * context when the response ends; Nest knows it once routing is done, here.
 */
@Injectable()
export class HttpRouteInterceptor implements NestInterceptor {
  intercept(execution: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (execution.getType() === 'http') {
      const metadata = getRPCMetadata(context.active());
      const route = (execution.switchToHttp().getRequest<Request>().route as { path?: unknown })
        ?.path;
      if (metadata?.type === RPCType.HTTP && typeof route === 'string') metadata.route = route;
    }
    return next.handle();
  }
}
