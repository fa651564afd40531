import type { AttributeValue } from '@opentelemetry/api';
import { messageTypeOf } from '../bus/message-type';
import type { SpanAttributes } from './cqrs-span.interface';
import type { AttributeWriter } from './attribute-providers.runner';
import type { SpanAttributesProvider } from './span-attributes-provider.interface';
import type { ResolvedTracingOptions } from './tracing.options';
import { TracingAttributes } from './tracing.constants';
import { WRITE_ATTRIBUTES } from './tracing.internal-constants';

function builtIn(name: string, write: AttributeWriter): SpanAttributesProvider {
  // Called as a plain provider (by a custom SpanFactory) it returns a record; the built-in
  // factories call the writer instead and allocate nothing.
  const provider = {
    [name]: (message: unknown, attributes: Parameters<SpanAttributesProvider>[1]) => {
      const added: SpanAttributes = {};
      write(
        { setAttribute: (key: string, value: AttributeValue) => (added[key] = value) },
        message,
        attributes,
      );
      return added;
    },
  }[name] as SpanAttributesProvider;
  Object.defineProperty(provider, WRITE_ATTRIBUTES, { value: write });
  return Object.freeze(provider);
}

/** `cqrs.message_id` and `messaging.message.id`: the message's id. */
export const messageIdAttributesProvider = builtIn('messageIdAttributesProvider', (sink, _m, a) => {
  const id = a.message_id;
  if (typeof id === 'string') {
    sink.setAttribute(TracingAttributes.MESSAGE_ID, id);
    sink.setAttribute(TracingAttributes.MESSAGING_MESSAGE_ID, id);
  }
});

/** `cqrs.message_name`: the message's type name (for a saga span, the emitted command's). */
export const messageNameAttributesProvider = builtIn(
  'messageNameAttributesProvider',
  (sink, _m, a) => {
    const name = a.kind === 'saga' ? a['command.type'] : a.message_type;
    if (typeof name === 'string') sink.setAttribute(TracingAttributes.MESSAGE_NAME, name);
  },
);

/** `cqrs.message_type`: what the message is — `command`, `query` or `event`. */
export const messageTypeAttributesProvider = builtIn(
  'messageTypeAttributesProvider',
  (sink, _m, a) => {
    const kind = a.kind === 'saga' ? 'command' : a.kind;
    if (typeof kind === 'string') sink.setAttribute(TracingAttributes.MESSAGE_TYPE, kind);
  },
);

/** `cqrs.payload_type`: the runtime class of the message object (`Object` for a literal). */
export const payloadTypeAttributesProvider = builtIn('payloadTypeAttributesProvider', (sink, m) => {
  sink.setAttribute(TracingAttributes.PAYLOAD_TYPE, messageTypeOf(m).name);
});

function writeMetadata(
  sink: Parameters<AttributeWriter>[0],
  message: unknown,
  a: Parameters<AttributeWriter>[2],
  withRequestedBy: boolean,
): void {
  const correlationId = a.correlation_id;
  if (typeof correlationId === 'string') {
    sink.setAttribute(TracingAttributes.CORRELATION_ID, correlationId);
    sink.setAttribute(TracingAttributes.MESSAGING_CONVERSATION_ID, correlationId);
  }
  const causationId = a.causation_id;
  if (typeof causationId === 'string')
    sink.setAttribute(TracingAttributes.CAUSATION_ID, causationId);
  if (message === null || typeof message !== 'object') return;
  const requestedAt = (message as { requestedAt?: unknown }).requestedAt;
  if (requestedAt instanceof Date && !Number.isNaN(requestedAt.getTime())) {
    sink.setAttribute(TracingAttributes.REQUESTED_AT, requestedAt.toISOString());
  }
  if (!withRequestedBy) return;
  const requestedBy = (message as { requestedBy?: unknown }).requestedBy;
  if (typeof requestedBy === 'string')
    sink.setAttribute(TracingAttributes.REQUESTED_BY, requestedBy);
}

/**
 * `cqrs.correlation_id`, `messaging.message.conversation_id`, `cqrs.causation_id` (when there
 * is one) and `cqrs.requested_at` (BaseCommand/BaseQuery `requestedAt`, ISO 8601).
 */
export const metadataAttributesProvider = builtIn('metadataAttributesProvider', (sink, m, a) =>
  writeMetadata(sink, m, a, false),
);

/** `metadataAttributesProvider` plus `cqrs.requested_by` (`tracing.recordRequestedBy`). */
export const metadataWithRequestedByAttributesProvider = builtIn(
  'metadataWithRequestedByAttributesProvider',
  (sink, m, a) => writeMetadata(sink, m, a, true),
);

/** The built-in providers `tracing.attributeProviders` switches on, in a stable order. */
export function builtInAttributeProviders(
  options: Pick<ResolvedTracingOptions, 'attributeProviders' | 'recordRequestedBy'>,
): SpanAttributesProvider[] {
  const on = options.attributeProviders;
  const providers: SpanAttributesProvider[] = [];
  if (on.messageId) providers.push(messageIdAttributesProvider);
  if (on.messageName) providers.push(messageNameAttributesProvider);
  if (on.messageType) providers.push(messageTypeAttributesProvider);
  if (on.payloadType) providers.push(payloadTypeAttributesProvider);
  if (on.metadata) {
    providers.push(
      options.recordRequestedBy
        ? metadataWithRequestedByAttributesProvider
        : metadataAttributesProvider,
    );
  }
  return providers;
}
