import type { MessageKind } from './hook.types';
import { OperationNames } from './operations';

/** A message class, as `messageTypes` filters and decorators name it. */
export type MessageClass = abstract new (...args: never[]) => unknown;

/**
 * What an operation does, as the signals branch on it. The message operations wrap work
 * (a bus call, a handler, a saga emission); notices have none of their own to wrap.
 */
export const OperationRole = {
  COMMAND: 0,
  QUERY: 1,
  /** `event.dispatch.{Event}`: one event of `publish` / `publishAll`. */
  DISPATCH: 2,
  /** `event.handler.{Event}.{Handler}`. */
  HANDLER: 3,
  /** `saga.run.{Saga}`: around each command a saga emits. */
  SAGA: 4,
  /** `saga.error.{Saga}`: a saga's stream died. */
  SAGA_ERROR: 5,
  /** `unhandled_exception.{CauseType}`. */
  UNHANDLED_EXCEPTION: 6,
  /** `event.unhandled.{Event}`: an event nothing handled. */
  EVENT_UNHANDLED: 7,
  /** `message_registry.register`: a handler or saga registered at bootstrap. */
  REGISTER: 8,
  /** Any other name, as `HookRegistry.executeAll()` may be given. */
  OTHER: 9,
} as const;

export type OperationRole = (typeof OperationRole)[keyof typeof OperationRole];

/**
 * Operation attribute keys of one role, beyond the common ones (`kind`, `message_type`, …):
 * the names DESIGN.md gives each operation (`command.type`, `saga.type`, …).
 */
export const OperationAttributeKeys = {
  COMMAND_TYPE: 'command.type',
  QUERY_TYPE: 'query.type',
  EVENT_TYPE: 'event.type',
  EVENT_ID: 'event.id',
  HANDLER_TYPE: 'handler.type',
  SAGA_TYPE: 'saga.type',
  SAGA_EVENT: 'saga.event',
  SAGA_MERGED_EVENTS: 'saga.merged_events',
  CAUSE_TYPE: 'cause_type',
} as const;

/**
 * A per-class telemetry policy (`@CqrsTelemetry`) as the signals read it; the descriptor only
 * carries it. Undefined when the class has none.
 */
export type TelemetryPolicySlot = object | undefined;

/**
 * One operation of one message class (and, for `event.handler` and `saga.run`, of one
 * handler), worked out once: every name a signal writes for it is here, so no signal builds
 * or parses an operation name at dispatch.
 */
export interface OperationDescriptor {
  readonly role: OperationRole;
  /** `kind` of the operation (label, span attribute, log field); undefined for OTHER/REGISTER. */
  readonly kind: MessageKind | undefined;
  /** The dotted operation name, e.g. `command.execute.PlaceOrderCommand`. */
  readonly operation: string;
  /**
   * The class name the operation is about: the message's; for `saga.run` / `saga.error` the
   * saga's; for `unhandled_exception` the cause's. The value of `message_type` labels.
   */
  readonly messageType: string;
  /** The handler (or saga) class name, when the operation is one handler's. */
  readonly handler: string | undefined;
  /** The per-operation attribute that repeats the type (`command.type`, `event.type`, …). */
  readonly typeAttribute: string | undefined;
  /** The message class, when there is one: `messageTypes` filters compare it. */
  readonly messageClass: MessageClass | undefined;
  /** The class's `@CqrsTelemetry` policy; undefined by default. */
  policy: TelemetryPolicySlot;
  /** The hooks matching this operation, cached by the registry that matched them. */
  chain: ChainCache | undefined;
}

/** One registry's matching registrations for an operation, valid while `version` holds. */
export interface ChainCache {
  readonly owner: object;
  readonly version: number;
  readonly links: readonly object[];
}

const PREFIXES: ReadonlyArray<readonly [string, OperationRole]> = [
  ['command.execute.', OperationRole.COMMAND],
  ['query.execute.', OperationRole.QUERY],
  ['event.dispatch.', OperationRole.DISPATCH],
  ['event.handler.', OperationRole.HANDLER],
  ['saga.run.', OperationRole.SAGA],
  ['saga.error.', OperationRole.SAGA_ERROR],
  ['unhandled_exception.', OperationRole.UNHANDLED_EXCEPTION],
  ['event.unhandled.', OperationRole.EVENT_UNHANDLED],
];

const KIND_OF_ROLE: readonly (MessageKind | undefined)[] = [
  'command',
  'query',
  'event',
  'event',
  'saga',
  'saga',
  undefined,
  'event',
  undefined,
  undefined,
];

const TYPE_ATTRIBUTE_OF_ROLE: readonly (string | undefined)[] = [
  OperationAttributeKeys.COMMAND_TYPE,
  OperationAttributeKeys.QUERY_TYPE,
  OperationAttributeKeys.EVENT_TYPE,
  OperationAttributeKeys.EVENT_TYPE,
  OperationAttributeKeys.SAGA_TYPE,
  OperationAttributeKeys.SAGA_TYPE,
  OperationAttributeKeys.CAUSE_TYPE,
  OperationAttributeKeys.EVENT_TYPE,
  undefined,
  undefined,
];

function describe(
  role: OperationRole,
  operation: string,
  messageType: string,
  handler: string | undefined,
  messageClass: MessageClass | undefined,
  kind: MessageKind | undefined = KIND_OF_ROLE[role],
): OperationDescriptor {
  return {
    role,
    kind,
    operation,
    messageType,
    handler,
    typeAttribute: TYPE_ATTRIBUTE_OF_ROLE[role],
    messageClass,
    policy: undefined,
    chain: undefined,
  };
}

/** The operations of one message class, computed once per class. */
export class MessageClassDescriptor {
  readonly command: OperationDescriptor;
  readonly query: OperationDescriptor;
  readonly dispatch: OperationDescriptor;
  private readonly handlers = new Map<string, OperationDescriptor>();
  private unhandledEvent: OperationDescriptor | undefined;

  constructor(
    /** The class name (`Anonymous` for a class without one, `typeof` for a primitive). */
    readonly name: string,
    readonly type: MessageClass | undefined,
  ) {
    this.command = describe(
      OperationRole.COMMAND,
      OperationNames.commandExecute(name),
      name,
      undefined,
      type,
    );
    this.query = describe(
      OperationRole.QUERY,
      OperationNames.queryExecute(name),
      name,
      undefined,
      type,
    );
    this.dispatch = describe(
      OperationRole.DISPATCH,
      OperationNames.eventDispatch(name),
      name,
      undefined,
      type,
    );
  }

  /** `event.handler.{Event}.{Handler}` for one handler class of this event class. */
  handler(handler: string): OperationDescriptor {
    let descriptor = this.handlers.get(handler);
    if (descriptor === undefined) {
      descriptor = describe(
        OperationRole.HANDLER,
        OperationNames.eventHandler(this.name, handler),
        this.name,
        handler,
        this.type,
      );
      this.handlers.set(handler, descriptor);
    }
    return descriptor;
  }

  /** `event.unhandled.{Event}`. */
  unhandled(): OperationDescriptor {
    return (this.unhandledEvent ??= describe(
      OperationRole.EVENT_UNHANDLED,
      OperationNames.eventUnhandled(this.name),
      this.name,
      undefined,
      this.type,
    ));
  }
}

/** `saga.run.{Saga}` of one saga class; built once, when the saga is wrapped. */
export function sagaRunDescriptor(saga: string): OperationDescriptor {
  return describe(OperationRole.SAGA, OperationNames.sagaRun(saga), saga, saga, undefined);
}

/** `saga.error.{Saga}`. */
export function sagaErrorDescriptor(saga: string): OperationDescriptor {
  return describe(OperationRole.SAGA_ERROR, OperationNames.sagaError(saga), saga, saga, undefined);
}

const byClass = new WeakMap<object, MessageClassDescriptor>();

/** The operations of a message's class; never throws, whatever the value (a Proxy, null, …). */
export function messageClassOf(message: unknown): MessageClassDescriptor {
  const type = classOf(message);
  if (type === undefined) return new MessageClassDescriptor(primitiveName(message), undefined);
  return descriptorOfClass(type);
}

/** The operations of a class, given the class itself. */
export function descriptorOfClass(type: MessageClass): MessageClassDescriptor {
  let descriptor = byClass.get(type);
  if (descriptor === undefined) {
    descriptor = new MessageClassDescriptor(safeName(type), type);
    byClass.set(type, descriptor);
  }
  return descriptor;
}

const MAX_NAMED = 2048;
const byName = new Map<string, OperationDescriptor>();

/**
 * The descriptor of an operation known only by its name — a notice, or an operation a caller
 * hands `HookRegistry.executeAll()` — read from the name and the attributes once per name.
 * The buses never come here: they start from the message's class.
 */
export function descriptorOfOperation(
  operation: string,
  attributes: {
    readonly kind?: unknown;
    readonly message_type?: unknown;
    readonly handler?: unknown;
  },
): OperationDescriptor {
  let descriptor = byName.get(operation);
  if (descriptor !== undefined) return descriptor;
  let role: OperationRole = OperationRole.OTHER;
  let suffix = operation;
  if (operation === OperationNames.messageRegistryRegister) role = OperationRole.REGISTER;
  else {
    for (const [prefix, prefixRole] of PREFIXES) {
      if (operation.startsWith(prefix)) {
        role = prefixRole;
        suffix = operation.slice(prefix.length);
        break;
      }
    }
  }
  const handler = typeof attributes.handler === 'string' ? attributes.handler : undefined;
  const named = typeof attributes.message_type === 'string' ? attributes.message_type : undefined;
  const type =
    role === OperationRole.SAGA || role === OperationRole.SAGA_ERROR
      ? (handler ?? named ?? suffix)
      : (named ?? suffix);
  const kind = isKind(attributes.kind) ? attributes.kind : KIND_OF_ROLE[role];
  descriptor = describe(role, operation, type, handler, undefined, kind);
  // Operation names come from class names, but executeAll() is public: keep the map bounded.
  if (byName.size >= MAX_NAMED) byName.clear();
  byName.set(operation, descriptor);
  return descriptor;
}

function isKind(value: unknown): value is MessageKind {
  return value === 'command' || value === 'query' || value === 'event' || value === 'saga';
}

/** The class a message was constructed from, if it is an object with one. */
export function classOf(message: unknown): MessageClass | undefined {
  if (message === null || (typeof message !== 'object' && typeof message !== 'function')) {
    return undefined;
  }
  try {
    const proto: unknown = Object.getPrototypeOf(message);
    const ctor = proto === null ? undefined : (proto as { constructor?: unknown }).constructor;
    return typeof ctor === 'function' ? (ctor as MessageClass) : undefined;
  } catch {
    return undefined;
  }
}

function safeName(type: object): string {
  try {
    const name = (type as { name?: unknown }).name;
    return typeof name === 'string' && name !== '' ? name : 'Anonymous';
  } catch {
    return 'Anonymous';
  }
}

function primitiveName(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value === 'object') return 'Object';
  return typeof value;
}
