import { hasCheckedEnvelope } from '../messages/checked-envelope';
import { uuidV4 } from '../shared/uuid-v4';
import { anchorShape } from '../shared/shape-anchor';
import { currentStore, runInStore } from './cls-store';
import { generateCorrelationId, isValidCorrelationId } from './correlation-id';
import {
  CAUSATION_ID,
  CORRELATION_ID,
  HANDLED_MESSAGE_ID,
  HANDLED_MESSAGE_TYPE,
} from './correlation.internal-constants';

/** The ids a dispatched message carries through the pipeline. */
export interface MessageIds {
  /** Undefined only when correlation is off and the message carries no id of its own. */
  readonly messageId: string | undefined;
  readonly correlationId: string | undefined;
  /** Id of the message whose handling dispatched this one; undefined for a top-level message. */
  readonly causationId: string | undefined;
}

type Store = Record<symbol, string | undefined>;

/** Where a message field that cannot be read is reported. */
export interface ReadFailureSink {
  report(source: string, error: unknown): void;
}

// Events are handled after publish returns, possibly outside the publisher's context, so
// their ids are fixed at publish time and kept beside the event — never on it.
const eventIds = new WeakMap<object, MessageIds>();

/**
 * The ids of a message being dispatched now: its own id field (`requestId`, `eventId`) or a
 * new one; its own `correlationId`, else the ambient one, else a new one (remembered in the
 * ambient context so the rest of the flow shares it); the causation id from the message
 * being handled around this dispatch.
 */
export function idsForDispatch(
  message: unknown,
  idField: 'requestId' | 'eventId',
  reporter?: ReadFailureSink,
): MessageIds {
  const store = currentStore() as Store | undefined;
  const checked = hasCheckedEnvelope(message);
  const ownId = envelopeId(message, idField, checked, reporter);
  const ownCorrelationId = envelopeId(message, 'correlationId', checked, reporter);
  let correlationId = ownCorrelationId ?? store?.[CORRELATION_ID];
  if (correlationId === undefined) {
    correlationId = generateCorrelationId();
    if (store !== undefined) store[CORRELATION_ID] = correlationId;
  }
  return {
    messageId: ownId ?? uuidV4(),
    correlationId,
    causationId: store?.[HANDLED_MESSAGE_ID] ?? store?.[CAUSATION_ID],
  };
}

/**
 * Ids when correlation is off: only what the message carries itself, nothing generated and
 * no context read.
 */
export function ownIds(
  message: unknown,
  idField: 'requestId' | 'eventId',
  reporter?: ReadFailureSink,
): MessageIds {
  const checked = hasCheckedEnvelope(message);
  return {
    messageId: envelopeId(message, idField, checked, reporter),
    correlationId: envelopeId(message, 'correlationId', checked, reporter),
    causationId: undefined,
  };
}

/**
 * A message's own id field if it holds an id of the one format: read as is from an envelope
 * its constructor checked (`checked`, see `hasCheckedEnvelope`), checked here otherwise.
 */
function envelopeId(
  message: unknown,
  key: string,
  checked: boolean,
  reporter: ReadFailureSink | undefined,
): string | undefined {
  if (checked) return (message as Record<string, string | undefined>)[key];
  const value = ownField(message, key, reporter);
  return isValidCorrelationId(value) ? value : undefined;
}

/**
 * A message's own id field. A getter or Proxy trap that throws counts as no id: the bus
 * would have dispatched the message without reading it, so the dispatch must not fail here.
 */
function ownField(message: unknown, key: string, reporter: ReadFailureSink | undefined): unknown {
  if (message === null || typeof message !== 'object') return undefined;
  try {
    return (message as Record<string, unknown>)[key];
  } catch (error) {
    reporter?.report(`Reading the message's "${key}"`, error);
    return undefined;
  }
}

/** Ids of an event, fixed at its first publish and shared by all its handlers. */
export function idsForEvent(event: unknown, reporter?: ReadFailureSink): MessageIds {
  if (event === null || typeof event !== 'object') return idsForDispatch(event, 'eventId');
  let ids = eventIds.get(event);
  if (ids === undefined) {
    ids = idsForDispatch(event, 'eventId', reporter);
    eventIds.set(event, ids);
  }
  return ids;
}

/**
 * Runs `fn` in a context of its own in which `message` is the message being handled: what
 * `fn` dispatches is caused by it, and concurrent handlers never see each other's ids.
 */
export function runAsHandlerOf<T>(ids: MessageIds, messageType: string, fn: () => T): T {
  const parent = currentStore() as Store | undefined;
  let store: Store;
  if (parent === undefined) {
    store = new HandlerStore(ids, messageType) as unknown as Store;
  } else {
    // The app's own keys (and the tenant) go on; the ids are this handler's.
    store = { ...parent };
    writeHandlerIds(store, ids, messageType);
  }
  return runInStore(store, fn);
}

/**
 * A handler's store when no context surrounds it, always of one shape: a literal with
 * computed symbol keys is built key by key, and measurably slower on every dispatch.
 */
class HandlerStore {
  constructor(ids: MessageIds, messageType: string) {
    writeHandlerIds(this as unknown as Store, ids, messageType);
  }
}

// Made on every dispatch outside a context, dropped when it ends (shape-anchor.ts); and the
// store of a dispatch inside one (an event's handler, a saga's command): its parent spread.
anchorShape({
  ...anchorShape(new HandlerStore({ messageId: '', correlationId: '', causationId: '' }, '')),
});

function writeHandlerIds(store: Store, ids: MessageIds, messageType: string): void {
  store[CORRELATION_ID] = ids.correlationId;
  store[CAUSATION_ID] = ids.causationId;
  store[HANDLED_MESSAGE_ID] = ids.messageId;
  store[HANDLED_MESSAGE_TYPE] = messageType;
}

/** Class name of the message being handled in the current context, if any. */
export function handledMessageType(): string | undefined {
  return (currentStore() as Store | undefined)?.[HANDLED_MESSAGE_TYPE];
}
