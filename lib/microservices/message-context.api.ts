import { context as otelContext } from '@opentelemetry/api';
import {
  outgoingIds,
  readMessageContext,
  runAsMessageHandler,
  writeMessageHeaders,
  type MessageContextHeaders,
} from './message-context';
import { ENVELOPE_DATA_KEY, ENVELOPE_HEADERS_KEY } from './microservices.constants';

/**
 * Writes the current flow's message context into `carrier` — W3C `traceparent`/`tracestate`,
 * `x-correlation-id`, `x-causation-id` (the message being handled here), a new
 * `x-message-id` and `x-message-sent-at` — for a transport this library does not patch: a
 * job queue, an outbox row, a webhook, gRPC metadata. Returns the carrier.
 *
 * ```ts
 * await queue.add('reserve', data, { headers: injectMessageContext() });
 * ```
 */
export function injectMessageContext<C extends object = MessageContextHeaders>(
  carrier: C = {} as C,
): C {
  if (carrier === null || typeof carrier !== 'object') {
    throw new TypeError('injectMessageContext(carrier): carrier must be an object');
  }
  return writeMessageHeaders(carrier, outgoingIds());
}

/**
 * Runs `fn` as the handler of a message whose headers are `carrier`: in a nestjs-cls context
 * of its own holding the sender's correlation id and causation chain, and with the sender's
 * span as the active OpenTelemetry parent. Every value is validated like the HTTP header; a
 * missing or hostile one is dropped (a new correlation id, a new trace). The caller's context
 * is not touched.
 *
 * `carrier` is a plain object of headers (names compared lower-case) or a function returning
 * the value of one header.
 */
export function runWithMessageContext<T>(
  carrier: Readonly<Record<string, unknown>> | ((name: string) => unknown) | null | undefined,
  fn: () => T,
): T {
  if (typeof fn !== 'function') {
    throw new TypeError('runWithMessageContext(carrier, fn): fn must be a function');
  }
  const incoming = readMessageContext(headerGetter(carrier));
  return runAsMessageHandler(incoming, undefined, () => otelContext.with(incoming.otel, fn));
}

function headerGetter(carrier: unknown): (name: string) => unknown {
  if (typeof carrier === 'function') return carrier as (name: string) => unknown;
  if (carrier === null || typeof carrier !== 'object') return () => undefined;
  const record = carrier as Record<string, unknown>;
  return (name) => {
    if (Object.prototype.hasOwnProperty.call(record, name)) return record[name];
    for (const key of Object.keys(record)) {
      if (key.toLowerCase() === name) return record[key];
    }
    return undefined;
  };
}

/**
 * The explicit envelope for transports without headers (TCP, Redis): `{ data, headers }`
 * under a reserved key. Emit it as the message; a patched client fills in its producer
 * span's context, and the receiving service's handler gets `data` back, unwrapped, in the
 * sender's flow.
 *
 * ```ts
 * this.client.emit('stock.reserve', messageEnvelope({ orderId }));
 * ```
 */
export function messageEnvelope<T>(data: T): MessageEnvelope<T> {
  return { [ENVELOPE_HEADERS_KEY]: injectMessageContext(), [ENVELOPE_DATA_KEY]: data };
}

/** What `messageEnvelope()` returns. */
export interface MessageEnvelope<T> {
  readonly [ENVELOPE_HEADERS_KEY]: MessageContextHeaders;
  readonly [ENVELOPE_DATA_KEY]: T;
}
