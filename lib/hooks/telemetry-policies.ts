import { anyTelemetryDeclared, declaredTelemetryPolicy } from './cqrs-telemetry.decorator';
import { classOf, OperationRole } from './operation-descriptor';
import type { OperationFrame } from './operation-frame';
import {
  DEFAULT_TELEMETRY_POLICY,
  mergeTelemetryPolicies,
  type ResolvedTelemetryPolicy,
  type TelemetryPolicy,
} from './telemetry-policy';
import type { ResolvedTelemetryOptions, TelemetryPolicyTable } from './telemetry.options';

/** The part of the module's resolved options read here (the module provides all of them). */
type ModuleOptions = { readonly telemetry: ResolvedTelemetryOptions };

// Handler names come from registered classes; the bound guards a hand-made operation flood.
const MAX_HANDLERS_PER_MESSAGE = 1024;

/**
 * What a descriptor's `policy` slot holds: descriptors are the process's, one per class, while
 * policies are one application's (its `telemetry` option), so the slot names its owner.
 */
interface PolicySlot {
  readonly owner: TelemetryPolicies;
  readonly policy: ResolvedTelemetryPolicy;
}

/** The resolved policies of one message class: its own, and one per handler seen. */
class MessagePolicies {
  private readonly byHandler = new Map<string, ResolvedTelemetryPolicy>();

  constructor(
    /** Option layer, decorator layer of the message class. */
    private readonly layers: readonly [TelemetryPolicy | undefined, TelemetryPolicy | undefined],
    readonly policy: ResolvedTelemetryPolicy,
    private readonly owner: TelemetryPolicies,
  ) {}

  forHandler(handler: string): ResolvedTelemetryPolicy {
    let policy = this.byHandler.get(handler);
    if (policy === undefined) {
      policy = this.owner.mergeHandler(handler, this.layers);
      if (this.byHandler.size < MAX_HANDLERS_PER_MESSAGE) this.byHandler.set(handler, policy);
    }
    return policy;
  }
}

/**
 * Decides, once per message class and handler, what each built-in signal does for it. Field by
 * field, highest first:
 *
 * 1. the handler's entry in the `telemetry.handlers` option,
 * 2. `@CqrsTelemetry()` on the handler class (or a base),
 * 3. the message's entry in `telemetry.messages` (or `tracing.eventHandlerTraceByEvent`),
 * 4. `@CqrsTelemetry()` (or `@EventHandlerTrace()`) on the message class (or a base),
 * 5. the signals' own options.
 *
 * The more specific subject wins (a handler over its message); for one subject the app's
 * configuration wins over the class's decorator, so an operator can change a type's telemetry
 * without touching its code. With no option and no decorator anywhere, every call answers the
 * default policy without a lookup.
 */
export class TelemetryPolicies {
  private readonly messages: TelemetryPolicyTable;
  private readonly handlers: TelemetryPolicyTable;
  private readonly configured: boolean;
  private readonly byClass = new WeakMap<object, MessagePolicies>();
  private readonly handlerClasses = new Map<string, object>();
  // Operations with no message class (a saga's dead stream, a hand-made operation).
  private readonly classless: MessagePolicies;
  // The signals of one operation ask one after the other: the last answer is the next one.
  private lastClass: unknown;
  private lastHandler: unknown;
  private lastPolicy: ResolvedTelemetryPolicy = DEFAULT_TELEMETRY_POLICY;

  constructor(options: ModuleOptions) {
    this.messages = options.telemetry.messages;
    this.handlers = options.telemetry.handlers;
    this.configured =
      this.messages.byClass.size +
        this.messages.byName.size +
        this.handlers.byClass.size +
        this.handlers.byName.size >
      0;
    this.classless = new MessagePolicies([undefined, undefined], DEFAULT_TELEMETRY_POLICY, this);
  }

  /** Whether a policy could say anything but the defaults: otherwise signals need not ask. */
  get active(): boolean {
    return this.configured || anyTelemetryDeclared();
  }

  /**
   * Option entries that name no registered handler (or, for messages, no class a registered
   * handler takes): a misspelt name in a config file would otherwise do nothing, silently.
   */
  unmatchedEntries(handledMessages: ReadonlySet<unknown>): string[] {
    const lines: string[] = [];
    const handlerClasses = new Set(this.handlerClasses.values());
    for (const name of this.handlers.byName.keys()) {
      if (!this.handlerClasses.has(name)) {
        lines.push(`telemetry.handlers.${name}: no handler or saga of that name is registered`);
      }
    }
    for (const type of this.handlers.byClass.keys()) {
      if (!handlerClasses.has(type)) {
        lines.push(
          `telemetry.handlers[${nameOf(type) ?? 'anonymous class'}]: that class is not a registered handler or saga`,
        );
      }
    }
    const messageNames = new Set<string | undefined>();
    for (const type of handledMessages) {
      if (typeof type === 'function') messageNames.add(nameOf(type));
    }
    const unhandled = (label: string) =>
      `telemetry.messages${label}: no registered handler takes that message (fine for an event only sagas take, or none)`;
    for (const name of this.messages.byName.keys()) {
      if (!messageNames.has(name)) lines.push(unhandled(`.${name}`));
    }
    for (const type of this.messages.byClass.keys()) {
      if (!handledMessages.has(type))
        lines.push(unhandled(`[${nameOf(type) ?? 'anonymous class'}]`));
    }
    return lines;
  }

  /** Tells which class a handler name stands for, so its decorator can be read. */
  noteHandler(name: string, type: object): void {
    if (!this.handlerClasses.has(name)) this.handlerClasses.set(name, type);
  }

  /**
   * The policy of one dispatch, from its frame: the message class and the handler (the
   * descriptor's, or for a command or query the one the bus named). Kept on the descriptor, so
   * the signals of one operation after the first read one slot.
   */
  ofFrame(frame: OperationFrame): ResolvedTelemetryPolicy {
    if (!this.configured && !anyTelemetryDeclared()) return DEFAULT_TELEMETRY_POLICY;
    const descriptor = frame.descriptor;
    const slot = descriptor.policy as PolicySlot | undefined;
    if (slot !== undefined && slot.owner === this) return slot.policy;
    const handler = descriptor.handler ?? frame.attributes.handler;
    const policy = this.telemetryPolicyOf(frame.messageClass, handler);
    // A class's own descriptors only: a saga step's command varies per emission, and a notice
    // known by its name alone may be about any message.
    if (descriptor.messageClass !== undefined && descriptor.role !== OperationRole.SAGA) {
      descriptor.policy = { owner: this, policy } satisfies PolicySlot;
    }
    return policy;
  }

  /** The policy of an operation on `message` (by its class), handled by `handler` if given. */
  policyFor(message: unknown, handler: unknown): ResolvedTelemetryPolicy {
    if (!this.configured && !anyTelemetryDeclared()) return DEFAULT_TELEMETRY_POLICY;
    return this.telemetryPolicyOf(classOf(message), handler);
  }

  /** The policy of `messageClass`, handled by `handler` if given: frozen, cached, shared. */
  telemetryPolicyOf(messageClass: unknown, handler?: unknown): ResolvedTelemetryPolicy {
    if (!this.configured && !anyTelemetryDeclared()) return DEFAULT_TELEMETRY_POLICY;
    if (messageClass === this.lastClass && handler === this.lastHandler) return this.lastPolicy;
    const policies = this.messagePolicies(messageClass);
    const policy = typeof handler === 'string' ? policies.forHandler(handler) : policies.policy;
    this.lastClass = messageClass;
    this.lastHandler = handler;
    this.lastPolicy = policy;
    return policy;
  }

  /** @internal The layers of a handler over its message's two. */
  mergeHandler(
    handler: string,
    messageLayers: readonly [TelemetryPolicy | undefined, TelemetryPolicy | undefined],
  ): ResolvedTelemetryPolicy {
    const type = this.handlerClasses.get(handler);
    return mergeTelemetryPolicies([
      lookup(this.handlers, type, handler),
      declaredTelemetryPolicy(type),
      ...messageLayers,
    ]);
  }

  private messagePolicies(messageClass: unknown): MessagePolicies {
    if (typeof messageClass !== 'function') return this.classless;
    let policies = this.byClass.get(messageClass);
    if (policies === undefined) {
      const layers = [
        lookup(this.messages, messageClass, nameOf(messageClass)),
        declaredTelemetryPolicy(messageClass),
      ] as const;
      policies = new MessagePolicies(layers, mergeTelemetryPolicies(layers), this);
      this.byClass.set(messageClass, policies);
    }
    return policies;
  }
}

function lookup(
  table: TelemetryPolicyTable,
  type: object | undefined,
  name: string | undefined,
): TelemetryPolicy | undefined {
  const byClass = type === undefined ? undefined : table.byClass.get(type);
  if (byClass !== undefined) return byClass;
  return name === undefined ? undefined : table.byName.get(name);
}

function nameOf(type: object): string | undefined {
  try {
    const name = (type as { name?: unknown }).name;
    return typeof name === 'string' && name !== '' ? name : undefined;
  } catch {
    return undefined;
  }
}
