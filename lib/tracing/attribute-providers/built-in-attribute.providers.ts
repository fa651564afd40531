import type { AttributeValue } from '@opentelemetry/api';
import { createHash } from 'node:crypto';
import { types } from 'node:util';
import { INVALID_DATE, isoTimeOf } from '../../shared/iso-time';
import { messageClassOf } from '../../hooks/operation-descriptor';
import type { RedactionPolicy } from '../../redaction/redaction.policy';
import type { SpanAttributes } from '../span-factories/cqrs-span.interface';
import type { AttributeWriter } from './attribute-providers.runner';
import type { SpanAttributesProvider } from './span-attributes-provider.interface';
import type { ResolvedTracingOptions } from '../tracing.options';
import { TracingAttributes } from '../tracing.constants';
import { WRITE_ATTRIBUTES } from '../tracing.internal-constants';

const REQUESTED_BY_FIELD = 'requestedBy';

/** A provider the built-in factories run through its allocation-free writer. */
export function builtIn(name: string, write: AttributeWriter): SpanAttributesProvider {
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

/**
 * `cqrs.message_type`: the message's class name (for a saga span, the emitted command's). The
 * module's own spans always carry it; this provider is for spans a custom factory starts.
 */
export const messageTypeAttributesProvider = builtIn(
  'messageTypeAttributesProvider',
  (sink, _m, a) => {
    const name = a.kind === 'saga' ? a['command.type'] : a.message_type;
    if (typeof name === 'string') sink.setAttribute(TracingAttributes.MESSAGE_TYPE, name);
  },
);

/** `cqrs.payload_type`: the runtime class of the message object (`Object` for a literal). */
export const payloadTypeAttributesProvider = builtIn('payloadTypeAttributesProvider', (sink, m) => {
  sink.setAttribute(TracingAttributes.PAYLOAD_TYPE, messageClassOf(m).name);
});

/** How `cqrs.requested_by` is written: through the application's redaction policy. */
type RequestedByView = (requestedBy: string) => unknown;

// Without a policy at hand (the exported provider used on its own), the default rule for a
// personal field: its SHA-256, the same digest the policy writes.
const HASHED: RequestedByView = (requestedBy) =>
  `sha256:${createHash('sha256').update(requestedBy).digest('hex')}`;

function writeMetadata(
  sink: Parameters<AttributeWriter>[0],
  message: unknown,
  a: Parameters<AttributeWriter>[2],
  requestedByView: RequestedByView | undefined,
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
  if (types.isDate(requestedAt)) {
    const written = isoTimeOf(requestedAt);
    if (written !== INVALID_DATE) sink.setAttribute(TracingAttributes.REQUESTED_AT, written);
  }
  if (requestedByView === undefined) return;
  const requestedBy = (message as { requestedBy?: unknown }).requestedBy;
  if (typeof requestedBy !== 'string') return;
  const written = requestedByView(requestedBy);
  if (typeof written === 'string') sink.setAttribute(TracingAttributes.REQUESTED_BY, written);
}

/**
 * `cqrs.correlation_id`, `messaging.message.conversation_id`, `cqrs.causation_id` (when there
 * is one) and `cqrs.requested_at` (BaseCommand/BaseQuery `requestedAt`, ISO 8601).
 */
export const metadataAttributesProvider = builtIn('metadataAttributesProvider', (sink, m, a) =>
  writeMetadata(sink, m, a, undefined),
);

/**
 * `metadataAttributesProvider` plus `cqrs.requested_by` (`tracing.recordRequestedBy`), hashed
 * (`sha256:<hex>`) as a personal field. The module's own provider follows the application's
 * redaction policy instead, so `redaction.clearFields: ['requestedBy']` shows it in clear.
 */
export const metadataWithRequestedByAttributesProvider = builtIn(
  'metadataWithRequestedByAttributesProvider',
  (sink, m, a) => writeMetadata(sink, m, a, HASHED),
);

/** The built-in providers `tracing.attributeProviders` switches on, in a stable order. */
export function builtInAttributeProviders(
  options: Pick<ResolvedTracingOptions, 'attributeProviders' | 'recordRequestedBy'>,
  policy?: RedactionPolicy,
): SpanAttributesProvider[] {
  const on = options.attributeProviders;
  const providers: SpanAttributesProvider[] = [];
  if (on.messageId) providers.push(messageIdAttributesProvider);
  if (on.messageName) providers.push(messageNameAttributesProvider);
  if (on.messageType) providers.push(messageTypeAttributesProvider);
  if (on.payloadType) providers.push(payloadTypeAttributesProvider);
  if (on.metadata) {
    if (!options.recordRequestedBy) providers.push(metadataAttributesProvider);
    else if (policy === undefined) providers.push(metadataWithRequestedByAttributesProvider);
    else {
      const view: RequestedByView = (requestedBy) =>
        policy.fieldValue(REQUESTED_BY_FIELD, requestedBy);
      providers.push(
        builtIn('metadataWithRequestedByAttributesProvider', (sink, m, a) =>
          writeMetadata(sink, m, a, view),
        ),
      );
    }
  }
  return providers;
}
