import { randomUUID } from 'node:crypto';
import {
  context as otelContext,
  isSpanContextValid,
  propagation,
  trace,
  type Context,
  type SpanContext,
  type TextMapGetter,
} from '@opentelemetry/api';
import { currentStore, runWithStore } from '../correlation/cls-store';
import { generateCorrelationId, isValidCorrelationId } from '../correlation/correlation-id';
import {
  CAUSATION_ID,
  CORRELATION_ID,
  HANDLED_MESSAGE_ID,
  HANDLED_MESSAGE_TYPE,
  REQUEST_TENANT_ID,
  TENANT_ID,
} from '../correlation/correlation.internal-constants';
import { MessageHeaders } from './microservices.constants';

/** Headers of one message as this library writes them: names to string values. */
export type MessageContextHeaders = Record<string, string>;

/** What an incoming message's headers said, after validation. */
export interface IncomingMessageContext {
  /** Valid ids only; a hostile or missing value is `undefined`. */
  readonly correlationId: string | undefined;
  readonly causationId: string | undefined;
  readonly messageId: string | undefined;
  /** The sender's tenant, when it had one and it is a valid id. */
  readonly tenantId?: string | undefined;
  /** Send time (ms since epoch) when present and plausible. */
  readonly sentAt: number | undefined;
  /** The producer's span context when a valid `traceparent` came with the message. */
  readonly remote: SpanContext | undefined;
  /** The OpenTelemetry context extracted from the headers (baggage included). */
  readonly otel: Context;
}

/** The ids written on one outgoing message. */
export interface OutgoingMessageIds {
  readonly messageId: string;
  readonly correlationId: string;
  readonly causationId: string | undefined;
  /** The flow's tenant, when it has one. */
  readonly tenantId?: string | undefined;
  readonly sentAt: number;
}

type Store = Record<symbol, string | undefined>;

// traceparent is 55 characters; tracestate at most 32 members of 256: 8 KiB bounds both.
const MAX_TRACE_HEADER_CHARS = 8192;
const SENT_AT = /^\d{1,15}$/;

/**
 * The ids the next message sent from here carries: a new message id (or the message's own,
 * when it brings a valid one), the flow's correlation id (generated — and kept in the
 * ambient context — when there is none yet), and the id of the message being handled as its
 * causation id.
 */
export function outgoingIds(ownMessageId?: unknown): OutgoingMessageIds {
  const store = currentStore() as Store | undefined;
  let correlationId = store?.[CORRELATION_ID];
  if (correlationId === undefined) {
    correlationId = generateCorrelationId();
    if (store !== undefined) store[CORRELATION_ID] = correlationId;
  }
  return {
    messageId: isValidCorrelationId(ownMessageId) ? ownMessageId : randomUUID(),
    correlationId,
    causationId: store?.[HANDLED_MESSAGE_ID] ?? store?.[CAUSATION_ID],
    tenantId: store?.[TENANT_ID] ?? store?.[REQUEST_TENANT_ID],
    sentAt: Date.now(),
  };
}

/** Writes the ids and the active trace context (or `active`) into `carrier`. */
export function writeMessageHeaders<C extends object>(
  carrier: C,
  ids: OutgoingMessageIds,
  active: Context = otelContext.active(),
): C {
  const headers = carrier as Record<string, unknown>;
  propagation.inject(active, headers);
  headers[MessageHeaders.CORRELATION_ID] = ids.correlationId;
  if (ids.causationId !== undefined) headers[MessageHeaders.CAUSATION_ID] = ids.causationId;
  headers[MessageHeaders.MESSAGE_ID] = ids.messageId;
  headers[MessageHeaders.SENT_AT] = String(ids.sentAt);
  if (ids.tenantId !== undefined) headers[MessageHeaders.TENANT_ID] = ids.tenantId;
  return carrier;
}

/**
 * Reads and validates the message context of incoming headers. `get` returns whatever the
 * transport holds for a name (a string, a Buffer, an array, anything); only strings and
 * small buffers are looked at, ids must be valid correlation ids, and the trace context is
 * kept only when it parses into a valid span context. Never throws.
 */
export function readMessageContext(get: (name: string) => unknown): IncomingMessageContext {
  const read = (name: string, max: number): string | undefined => {
    try {
      return headerText(get(name), max);
    } catch {
      return undefined;
    }
  };
  const id = (name: string) => {
    const value = read(name, 128);
    return isValidCorrelationId(value) ? value : undefined;
  };
  const sentAtText = read(MessageHeaders.SENT_AT, 15);
  const sentAt = sentAtText !== undefined && SENT_AT.test(sentAtText) ? Number(sentAtText) : NaN;
  let otel = otelContext.active();
  let remote: SpanContext | undefined;
  try {
    const extracted = propagation.extract(trace.deleteSpan(otel), undefined, {
      get: (_carrier, key) => read(key, MAX_TRACE_HEADER_CHARS),
      keys: () => [],
    } satisfies TextMapGetter<undefined>);
    const spanContext = trace.getSpanContext(extracted);
    if (spanContext !== undefined && isSpanContextValid(spanContext)) {
      remote = spanContext;
      otel = extracted;
    }
  } catch {
    // A propagator that throws on hostile input: the message starts a trace of its own.
  }
  return {
    correlationId: id(MessageHeaders.CORRELATION_ID),
    causationId: id(MessageHeaders.CAUSATION_ID),
    messageId: id(MessageHeaders.MESSAGE_ID),
    tenantId: id(MessageHeaders.TENANT_ID),
    sentAt: Number.isSafeInteger(sentAt) ? sentAt : undefined,
    remote,
    otel,
  };
}

/**
 * Runs `fn` in a nestjs-cls context of its own for the handling of an incoming message: the
 * sender's correlation id (or a new one), the sender's causation chain, and the message's id
 * as the message being handled — so whatever `fn` dispatches is caused by it.
 */
export function runAsMessageHandler<T>(
  incoming: IncomingMessageContext,
  messageType: string | undefined,
  fn: () => T,
): T {
  return runWithStore(
    {
      [CORRELATION_ID]: incoming.correlationId ?? generateCorrelationId(),
      [CAUSATION_ID]: incoming.causationId,
      [TENANT_ID]: incoming.tenantId,
      [HANDLED_MESSAGE_ID]: incoming.messageId,
      [HANDLED_MESSAGE_TYPE]: messageType,
    },
    fn,
  );
}

/** A header value as text when it is a string (or the first of an array) or a small Buffer. */
export function headerText(value: unknown, max: number): string | undefined {
  if (Array.isArray(value)) value = value[0];
  if (typeof value === 'string') return value.length > 0 && value.length <= max ? value : undefined;
  if (value instanceof Uint8Array) {
    if (value.byteLength === 0 || value.byteLength > max) return undefined;
    return Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('utf8');
  }
  return undefined;
}
