import {
  type CallHandler,
  type ExecutionContext,
  Injectable,
  type NestInterceptor,
} from '@nestjs/common';
import { context as otelContext, type SpanContext } from '@opentelemetry/api';
import { catchError, Observable, throwError, type Subscription } from 'rxjs';
import type { CqrsSpan, SpanAttributes } from '../tracing/span-factories/cqrs-span.interface';
import type { HandlerSpanOptions } from '../tracing/span-factories/span-factory.interface';
import {
  readMessageContext,
  runAsMessageHandler,
  type IncomingMessageContext,
} from './message-context';
import { MessagePropagationService } from './message-propagation.service';
import {
  MessagingAttributes,
  MessagingOperations,
  MessagingSpanNames,
} from './microservices.constants';
import { PATTERN_METADATA } from './microservices-package';
import { rpcClientError } from './rpc-client-error';
import { incomingCarrier, patternName } from './transport-carriers';
import { OperationOutcome } from '../hooks/operation-outcome';

const SOURCE = 'Cross-service propagation';

// The argument arrays of the messages being handled, shared by every instance (a global one
// and one per `@UseInterceptors()` module); weak, so nothing outlives its call.
const HANDLING = new WeakSet<object>();

interface Incoming {
  readonly message: IncomingMessageContext;
  readonly system: string;
  readonly pattern: string;
  readonly placement: HandlerSpanOptions;
  readonly ageMs: number | undefined;
}

/**
 * Global interceptor for `@EventPattern`/`@MessagePattern` handlers: each message is handled
 * in a nestjs-cls context of its own holding the sender's ids (validated; hostile values
 * dropped), under a CONSUMER span that continues — or links to — the sender's trace.
 * An invalid message (`MessageValidationError`) reaches the client as an `RpcException` with
 * the HTTP 400 body, whether propagation is on or not. Anything but an RPC context passes
 * straight through.
 */
@Injectable()
export class MessageContextInterceptor implements NestInterceptor {
  constructor(private readonly propagation: MessagePropagationService) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (context.getType() !== 'rpc') return next.handle();
    if (!this.propagation.active) return this.clientErrors(next.handle());
    // Bound both globally and with @UseInterceptors(): the message is handled once, and the
    // outer binding converts its error.
    const args = context.getArgs();
    if (HANDLING.has(args)) return next.handle();
    HANDLING.add(args);
    let incoming: Incoming;
    try {
      incoming = this.read(context);
    } catch (error) {
      this.propagation.reporter.report(SOURCE, error);
      return this.clientErrors(next.handle());
    }
    return new Observable<unknown>((subscriber) => {
      let subscription: Subscription | undefined;
      runAsMessageHandler(incoming.message, undefined, () =>
        otelContext.with(incoming.message.otel, () => {
          const span = this.startSpan(incoming);
          const started = performance.now();
          let settled = false;
          const settle = (error: unknown) => {
            if (settled) return;
            settled = true;
            this.settle(span, incoming, error, (performance.now() - started) / 1000);
          };
          const run = () => {
            try {
              subscription = next.handle().subscribe({
                next: (value) => subscriber.next(value),
                error: (error: unknown) => {
                  settle(error);
                  subscriber.error(this.clientError(error));
                },
                complete: () => {
                  settle(undefined);
                  subscriber.complete();
                },
              });
            } catch (error) {
              settle(error);
              subscriber.error(this.clientError(error));
            }
          };
          if (span === undefined) run();
          else span.runInContext(run);
        }),
      );
      return () => subscription?.unsubscribe();
    });
  }

  private clientErrors(handled: Observable<unknown>): Observable<unknown> {
    if (!this.propagation.validating) return handled;
    return handled.pipe(catchError((error: unknown) => throwError(() => this.clientError(error))));
  }

  // Without validation no handler error can be an invalid message: nothing to look at.
  private clientError(error: unknown): unknown {
    return this.propagation.validating
      ? rpcClientError(error, this.propagation.microservices)
      : error;
  }

  private read(context: ExecutionContext): Incoming {
    const carrier = incomingCarrier(context);
    if (carrier.unwrapped !== undefined) {
      // An explicit envelope: the handler (and its pipes) get the payload inside it.
      context.getArgs()[0] = carrier.unwrapped.data;
    }
    const message = readMessageContext(carrier.get);
    const patterns: unknown = Reflect.getMetadata(PATTERN_METADATA, context.getHandler());
    const pattern = destinationOf(Array.isArray(patterns) ? patterns[0] : patterns);
    const options = this.propagation.options as Exclude<typeof this.propagation.options, false>;
    const now = Date.now();
    const ageMs = message.sentAt === undefined ? undefined : Math.max(0, now - message.sentAt);
    const remote = message.remote;
    let placement: HandlerSpanOptions;
    if (remote === undefined) {
      placement = { isChildTrace: false };
    } else {
      const byPattern = options.consumerTraceByPattern;
      let shape = Object.prototype.hasOwnProperty.call(byPattern, pattern)
        ? byPattern[pattern]!
        : options.consumerTrace;
      if (options.linkAfterMs > 0 && ageMs !== undefined && ageMs > options.linkAfterMs) {
        shape = 'link';
      }
      placement = placementOf(shape, remote);
    }
    return { message, system: carrier.system ?? 'unknown', pattern, placement, ageMs };
  }

  private startSpan(incoming: Incoming): CqrsSpan | undefined {
    const { message, pattern } = incoming;
    try {
      const metrics = this.propagation.metrics;
      if (metrics !== undefined && incoming.ageMs !== undefined) {
        metrics.recordAge(incoming.system, metrics.pattern(pattern), incoming.ageMs / 1000);
      }
      const attributes: SpanAttributes = {
        [MessagingAttributes.MESSAGING_SYSTEM]: incoming.system,
        [MessagingAttributes.DESTINATION_NAME]: pattern,
        [MessagingAttributes.OPERATION_TYPE]: MessagingOperations.PROCESS,
        [MessagingAttributes.OPERATION_NAME]: MessagingOperations.PROCESS,
      };
      if (message.messageId !== undefined) {
        attributes[MessagingAttributes.MESSAGE_ID] = message.messageId;
      }
      if (message.correlationId !== undefined) {
        attributes[MessagingAttributes.CONVERSATION_ID] = message.correlationId;
      }
      if (message.causationId !== undefined) {
        attributes[MessagingAttributes.CAUSATION_ID] = message.causationId;
      }
      if (message.tenantId !== undefined) {
        attributes[MessagingAttributes.TENANT_ID] = message.tenantId;
      }
      if (incoming.ageMs !== undefined) {
        attributes[MessagingAttributes.MESSAGE_AGE_MS] = incoming.ageMs;
      }
      return this.propagation.spans.createHandlerSpan(
        MessagingSpanNames.process(pattern),
        attributes,
        incoming.placement,
      );
    } catch (error) {
      this.propagation.reporter.report(SOURCE, error);
      return undefined;
    }
  }

  private settle(
    span: CqrsSpan | undefined,
    incoming: Incoming,
    error: unknown,
    seconds: number,
  ): void {
    const outcome = error === undefined ? OperationOutcome.SUCCESS : OperationOutcome.ERROR;
    try {
      const metrics = this.propagation.metrics;
      metrics?.recordConsumed(incoming.system, metrics.pattern(incoming.pattern), outcome, seconds);
      if (span !== undefined) {
        span.setAttribute(MessagingAttributes.OUTCOME, outcome);
        if (error !== undefined) span.recordError(error);
      }
    } catch (failure) {
      this.propagation.reporter.report(SOURCE, failure);
    } finally {
      span?.end();
    }
  }
}

function placementOf(shape: 'child' | 'link', remote: SpanContext): HandlerSpanOptions {
  return shape === 'link'
    ? { isChildTrace: false, link: remote }
    : { isChildTrace: true, parent: remote };
}

/** The handler's pattern as a destination name; a gRPC method reads `Service/Method`. */
function destinationOf(pattern: unknown): string {
  if (pattern !== null && typeof pattern === 'object') {
    const { service, rpc } = pattern as { service?: unknown; rpc?: unknown };
    if (typeof service === 'string' && typeof rpc === 'string') return `${service}/${rpc}`;
  }
  return patternName(pattern);
}
