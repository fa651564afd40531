import { Observable, type Subscriber } from 'rxjs';
import {
  handledMessageType,
  idsForDispatch,
  idsForEvent,
  MessageIds,
  ownIds,
  runAsHandlerOf,
} from '../correlation/message-ids';
import { SAGA_TRIGGER_EVENT } from '../shared/tokens';
import { FailureReporter } from '../errors/failure-reporter';
import { fireAndForgetHook } from '../hooks/fire-and-forget';
import { HookRegistry } from '../hooks/hook.registry';
import type { CqrsOperationContext, MessageKind, OperationAttributes } from '../hooks/hook.types';
import { OperationNames } from '../hooks/operations';
import { isThenable } from '../hooks/pipeline';
import { EventPublication } from './event-publication';
import { classOf, messageTypeOf } from '../hooks/message-type';
import {
  enterSaga,
  eventOfEmission,
  mergedEventsOfEmission,
  SagaEventStream,
} from './saga-event-stream';
import { notePublisher } from './scoped-handler-patches';
import { describeError } from '../errors/describe-error';

type Method = (...args: any[]) => any;

interface SagaEmission {
  readonly saga: string;
  readonly eventType: string | undefined;
  /**
   * The event that caused the command: the one whose flow the emission continues, else the
   * one being fed to the saga when it emitted (idle dispatcher).
   */
  readonly event: unknown;
  /** The other events an operator merged into this emission (bufferTime, windows). */
  readonly mergedEvents: readonly object[] | undefined;
}

/**
 * Runs each bus call, event handler and saga emission as an operation: ids, correlation
 * frame, then the registry's pipeline around the original call. When correlation is off
 * and no hook matches, the original is called directly.
 */
export class MessageDispatcher {
  private readonly handlerNames = new Map<unknown, string>();
  private readonly kinds = new Map<unknown, 'command' | 'query'>();
  // Commands a saga emitted, waiting for the bus to execute them (the saga's own subscriber
  // does, right after); weak so an emission the bus never takes is not kept.
  private readonly sagaEmissions = new WeakMap<object, SagaEmission>();

  constructor(
    private readonly registry: HookRegistry,
    private readonly correlation: boolean,
    private readonly reporter: FailureReporter,
  ) {}

  /** Remembers which handler class handles a command or query class. */
  registerHandler(kind: 'command' | 'query', messageType: unknown, handler: string): void {
    this.handlerNames.set(messageType, handler);
    this.kinds.set(messageType, kind);
  }

  /**
   * True while there is nothing to do around any operation: correlation is off and no hook
   * is registered. The patched methods check it first and call upstream straight away.
   */
  get idle(): boolean {
    return !this.correlation && this.registry.isEmpty;
  }

  /** Whether a message is a command, a query or (by elimination) an event. */
  kindOf(message: unknown): 'command' | 'query' | 'event' {
    return this.kinds.get(classOf(message)) ?? 'event';
  }

  execute(
    kind: 'command' | 'query',
    bus: object,
    original: Method,
    message: unknown,
    asyncContext: unknown,
  ): unknown {
    const type = messageTypeOf(message);
    const operation = kind === 'command' ? type.commandOperation : type.queryOperation;
    const emission =
      kind === 'command' && message !== null && typeof message === 'object'
        ? this.sagaEmissions.get(message)
        : undefined;
    if (emission === undefined && this.bypasses(operation)) {
      return original.call(bus, message, asyncContext);
    }
    const ids = this.correlation
      ? idsForDispatch(message, 'requestId', this.reporter)
      : ownIds(message, 'requestId', this.reporter);
    const attributes = messageAttributes(kind, type.name, message, ids);
    attributes.handler = this.handlerNames.get(classOf(message));
    attributes[kind === 'command' ? 'command.type' : 'query.type'] = type.name;
    const context: CqrsOperationContext = { operation, attributes };
    const call = () => original.call(bus, message, asyncContext);
    const run = this.correlation
      ? () => runAsHandlerOf(ids, type.name, () => this.registry.run(context, call))
      : () => this.registry.run(context, call);
    if (emission === undefined) return run();
    this.sagaEmissions.delete(message as object);
    return this.registry.run(this.sagaContext(emission, type.name, message, ids), run);
  }

  /**
   * `EventBus.publish(event, ...rest)`: the event's `event.dispatch` operation around the
   * publisher, returning what upstream returns (see `EventPublication`).
   */
  publish(bus: object, original: Method, args: IArguments): unknown {
    const event: unknown = args[0];
    assertPublishable(event, 'EventBus.publish(event): event');
    notePublisher(event, this);
    if (this.idle) return original.apply(bus, args as unknown as unknown[]);
    const context = this.dispatchContext(event);
    if (context === undefined) return original.apply(bus, args as unknown as unknown[]);
    const single = [event];
    const publication = new EventPublication(single, () =>
      original.apply(bus, args as unknown as unknown[]),
    );
    this.runDispatch(publication, 0, context);
    return publication.callerResult();
  }

  /**
   * `EventBus.publishAll(events, ...rest)`: one `event.dispatch` operation per event, and
   * one call of upstream's `publishAll` with the batch, whose result the caller gets.
   */
  publishAll(bus: object, original: Method, events: unknown, rest: unknown[]): unknown {
    if (!Array.isArray(events) || events.length === 0) {
      return original.call(bus, events, ...rest);
    }
    for (let i = 0; i < events.length; i++) {
      assertPublishable(events[i], `EventBus.publishAll(events): events[${i}]`);
      notePublisher(events[i], this);
    }
    if (this.idle) return original.call(bus, events, ...rest);
    const contexts: Array<CqrsOperationContext | undefined> = events.map((event: unknown) =>
      this.dispatchContext(event),
    );
    if (contexts.every((context) => context === undefined)) {
      return original.call(bus, events, ...rest);
    }
    const publication = new EventPublication(events, (batch) => original.call(bus, batch, ...rest));
    // A synchronous throw (a hook refusing, the publisher failing) leaves this loop at once,
    // as upstream's throw would; nothing of an open batch has been published then.
    for (let i = 0; i < events.length; i++) {
      const context = contexts[i];
      if (context === undefined) publication.arrive(i);
      else this.runDispatch(publication, i, context);
    }
    return publication.callerResult();
  }

  /** The `event.dispatch` operation of one event, or undefined when nothing runs around it. */
  private dispatchContext(event: unknown): CqrsOperationContext | undefined {
    const type = messageTypeOf(event);
    const operation = type.dispatchOperation;
    if (this.bypasses(operation)) return undefined;
    const ids = this.eventIds(event);
    const attributes = messageAttributes('event', type.name, event, ids);
    attributes['event.type'] = type.name;
    attributes['event.id'] = ids.messageId;
    return { operation, attributes };
  }

  /** Runs operation `index` of a publication; its failures decide only what they may. */
  private runDispatch(
    publication: EventPublication,
    index: number,
    context: CqrsOperationContext,
  ): void {
    let result: unknown;
    try {
      result = this.registry.run(context, () => publication.arrive(index));
    } catch (error) {
      // A hook (or the publisher) threw synchronously: it propagates, and while the batch is
      // still open nothing of it is published.
      publication.refuse(error);
      throw error;
    }
    if (!isThenable(result) || publication.isPublisherResult(result)) {
      publication.leave(index);
      return;
    }
    result.then(
      () => publication.leave(index),
      (error: unknown) => {
        if (!publication.settled && !publication.hasReached(index)) {
          publication.refuse(error);
        } else if (!publication.isOwnFailure(error)) {
          this.reporter.report(`A hook on "${context.operation}"`, error);
        }
      },
    );
  }

  handleEvent(handler: string, instance: unknown, original: Method, event: unknown): unknown {
    const type = messageTypeOf(event);
    const operation = type.handlerOperation(handler);
    if (this.bypasses(operation)) return original.call(instance, event);
    const ids = this.eventIds(event);
    const attributes = messageAttributes('event', type.name, event, ids);
    attributes.handler = handler;
    attributes['event.type'] = type.name;
    attributes['event.id'] = ids.messageId;
    attributes['handler.type'] = handler;
    const context: CqrsOperationContext = { operation, attributes };
    const call = () => original.call(instance, event);
    if (!this.correlation) return this.registry.run(context, call);
    return runAsHandlerOf(ids, type.name, () => this.registry.run(context, call));
  }

  /**
   * Wraps a saga: each event enters the saga's stream in a context where it is the message
   * being handled (so the saga's commands are caused by it), each command it emits is marked
   * for a `saga.run` operation, and a stream error is observed as `saga.error`.
   */
  wrapSaga(saga: string, original: Method): Method {
    const sagaEmissions = this.sagaEmissions;
    const idle = () => this.idle;
    const notify = (operation: string, attributes: OperationAttributes) =>
      this.notify(operation, attributes);
    return function (this: unknown, events$: Observable<unknown>, ...rest: unknown[]) {
      // The event the saga is being fed right now: what it emits synchronously answers it.
      let feeding: unknown;
      const feed = (subscriber: Subscriber<unknown>) =>
        events$.subscribe({
          next: (event) => {
            const previous = feeding;
            feeding = event;
            try {
              runAsHandlerOf(idsForEvent(event), messageTypeOf(event).name, () => {
                if (idle()) subscriber.next(event);
                else enterSaga(event, () => subscriber.next(event));
              });
            } finally {
              feeding = previous;
            }
          },
          error: (error: unknown) => subscriber.error(error),
          complete: () => subscriber.complete(),
        });
      // Each stage piped onto a SagaEventStream emits an event in that event's own flow
      // (saga-event-stream.ts). Sagas are built at bootstrap: an app that is idle then (no
      // correlation, no hook) gets the plain stream, which costs nothing more.
      const input$ = idle() ? new Observable<unknown>(feed) : new SagaEventStream(feed, true);
      const output: unknown = original.call(this, input$, ...rest);
      if (!(output instanceof Observable)) return output;
      return new Observable<unknown>((subscriber) =>
        output.subscribe({
          next: (command) => {
            if (command !== null && typeof command === 'object') {
              sagaEmissions.set(command, {
                saga,
                eventType: handledMessageType(),
                event: eventOfEmission() ?? feeding,
                mergedEvents: mergedEventsOfEmission(),
              });
            }
            subscriber.next(command);
          },
          error: (error: unknown) => {
            notify(OperationNames.sagaError(saga), {
              kind: 'saga',
              message_type: saga,
              handler: saga,
              'saga.type': saga,
              error,
            });
            subscriber.error(error);
          },
          complete: () => subscriber.complete(),
        }),
      );
    };
  }

  /** Emits a fire-and-forget notice operation. */
  notify(operation: string, attributes: OperationAttributes): void {
    if (this.registry.hasHooksFor(operation)) {
      fireAndForgetHook(this.registry, operation, attributes, this.reporter);
    }
  }

  private sagaContext(
    emission: SagaEmission,
    commandType: string,
    command: unknown,
    ids: MessageIds,
  ): CqrsOperationContext {
    const attributes = messageAttributes('saga', emission.saga, command, ids);
    attributes.handler = emission.saga;
    attributes['saga.type'] = emission.saga;
    attributes['event.type'] = emission.eventType;
    attributes['saga.event'] = emission.event;
    attributes['command.type'] = commandType;
    if (emission.event !== undefined) {
      (attributes as Record<symbol, unknown>)[SAGA_TRIGGER_EVENT] = emission.event;
    }
    if (emission.mergedEvents !== undefined) {
      attributes['saga.merged_events'] = emission.mergedEvents;
    }
    return { operation: OperationNames.sagaRun(emission.saga), attributes };
  }

  /** With correlation off and no hook for the operation, there is nothing to do around it. */
  private bypasses(operation: string): boolean {
    return !this.correlation && !this.registry.hasHooksFor(operation);
  }

  private eventIds(event: unknown): MessageIds {
    return this.correlation
      ? idsForEvent(event, this.reporter)
      : ownIds(event, 'eventId', this.reporter);
  }
}

/** The attributes every message operation starts with. */
function messageAttributes(
  kind: MessageKind,
  messageType: string,
  message: unknown,
  ids: MessageIds,
): OperationAttributes {
  return {
    kind,
    message_type: messageType,
    message,
    message_id: ids.messageId,
    correlation_id: ids.correlationId,
    causation_id: ids.causationId,
  };
}

/**
 * Upstream hands any event to its subject, where the handlers' filters read its prototype:
 * `null`/`undefined`, `Object.create(null)` or a revoked Proxy throw there, out of band,
 * which ends the process and kills those handlers' subscriptions. Refused here, at once.
 */
function assertPublishable(event: unknown, what: string): void {
  if (event === undefined || event === null) {
    throw new TypeError(`${what} must be an event object, received ${String(event)}`);
  }
  let proto: unknown;
  try {
    proto = Object.getPrototypeOf(event);
    if (proto !== null) void (proto as { constructor?: unknown }).constructor;
  } catch (error) {
    throw new TypeError(
      `${what} must be an event object, but its prototype cannot be read (${describeError(error)})`,
    );
  }
  if (proto === null) {
    throw new TypeError(
      `${what} must be an event object with a class, received an object without prototype`,
    );
  }
}
