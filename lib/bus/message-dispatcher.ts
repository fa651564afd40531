import { Observable, type Subscriber } from 'rxjs';
import {
  handledMessageType,
  idsForDispatch,
  idsForEvent,
  MessageIds,
  ownIds,
  runAsHandlerOf,
} from '../correlation/message-ids';
import { FailureReporter } from '../errors/failure-reporter';
import { fireAndForgetHook } from '../hooks/fire-and-forget';
import { HookRegistry } from '../hooks/hook.registry';
import type { OperationAttributes } from '../hooks/hook.types';
import {
  messageClassOf,
  OperationAttributeKeys as Keys,
  OperationRole,
  sagaErrorDescriptor,
  sagaRunDescriptor,
  classOf,
  type OperationDescriptor,
} from '../hooks/operation-descriptor';
import { isLoneHook, runLoneHook } from '../hooks/lone-hook';
import { OperationFrame } from '../hooks/operation-frame';
import { Registration } from '../hooks/registration';
import { isThenable } from '../hooks/thenable';
import { EventPublication } from './event-publication';
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
  readonly saga: OperationDescriptor;
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
  // An app without sagas never looks a command up there.
  private hasSagas = false;

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

  /**
   * The replacement of a bus's `execute`: each call runs as an operation. A handler that
   * dispatches synchronously stacks this function once per nesting level, so it stays small:
   * `commandFrame()` prepares the operation and has returned before the chain runs, and the
   * frame's walk is entered bound, without a closure of its own. The operation's descriptor is
   * found once, here, for whichever path the call takes.
   */
  executeOf(kind: 'command' | 'query', original: Method): Method {
    // The replacement has its own `this` (the bus): an arrow function cannot stand in.
    // eslint-disable-next-line @typescript-eslint/no-this-alias
    const dispatcher = this;
    return function execute(this: object, message: unknown, asyncContext: unknown): unknown {
      if (dispatcher.idle) return original.call(this, message, asyncContext);
      const type = messageClassOf(message);
      const descriptor = kind === 'command' ? type.command : type.query;
      const frame = dispatcher.commandFrame(
        kind,
        descriptor,
        this,
        original,
        message,
        asyncContext,
      );
      if (frame === undefined) {
        return dispatcher.executeUnobserved(descriptor, this, original, message, asyncContext);
      }
      if (frame instanceof Registration) {
        return dispatcher.executeWithLoneHook(
          frame,
          kind,
          descriptor,
          this,
          original,
          message,
          asyncContext,
        );
      }
      // A saga's frame runs the command's frame, which enters the handler's context itself.
      if (!dispatcher.correlation || frame.descriptor.role === OperationRole.SAGA) {
        return frame.proceed();
      }
      return runAsHandlerOf(frame.ids!, frame.descriptor.messageType, frame.proceed.bind(frame));
    };
  }

  /**
   * The operation of a bus call — the `saga.run` one around it when a saga emitted the
   * command — or undefined when nothing runs around it. Without correlation, a chain of one
   * user hook alone needs no frame: its registration comes back instead (`isLoneHook`).
   */
  private commandFrame(
    kind: 'command' | 'query',
    descriptor: OperationDescriptor,
    bus: object,
    original: Method,
    message: unknown,
    asyncContext: unknown,
  ): OperationFrame | Registration | undefined {
    const emission =
      this.hasSagas && kind === 'command' && message !== null && typeof message === 'object'
        ? this.sagaEmissions.get(message)
        : undefined;
    const links = this.registry.chainFor(descriptor);
    if (emission === undefined) {
      if (links.length === 0) return undefined;
      if (!this.correlation && isLoneHook(links)) return links[0];
    }
    const ids = this.correlation
      ? idsForDispatch(message, 'requestId', this.reporter)
      : ownIds(message, 'requestId', this.reporter);
    const attributes = this.commandAttributes(kind, descriptor, message, ids);
    const frame = new OperationFrame(
      descriptor,
      attributes,
      ids,
      descriptor.messageClass,
      links,
      bus,
      original,
      message,
      asyncContext,
    );
    if (emission === undefined) return frame;
    this.sagaEmissions.delete(message as object);
    return this.sagaFrame(emission, descriptor.messageType, message, ids, frame);
  }

  /** A bus call whose chain is one user hook alone, without correlation (lone-hook.ts). */
  private executeWithLoneHook(
    link: Registration,
    kind: 'command' | 'query',
    descriptor: OperationDescriptor,
    bus: object,
    original: Method,
    message: unknown,
    asyncContext: unknown,
  ): unknown {
    const ids = ownIds(message, 'requestId', this.reporter);
    return runLoneHook(
      link,
      descriptor.operation,
      this.commandAttributes(kind, descriptor, message, ids),
      descriptor.messageClass,
      bus,
      original,
      message,
      asyncContext,
    );
  }

  private commandAttributes(
    kind: 'command' | 'query',
    descriptor: OperationDescriptor,
    message: unknown,
    ids: MessageIds,
  ): OperationAttributes {
    const name = descriptor.messageType;
    return kind === 'command'
      ? {
          kind,
          message_type: name,
          message,
          message_id: ids.messageId,
          correlation_id: ids.correlationId,
          causation_id: ids.causationId,
          handler: this.handlerNames.get(descriptor.messageClass),
          'command.type': name,
        }
      : {
          kind,
          message_type: name,
          message,
          message_id: ids.messageId,
          correlation_id: ids.correlationId,
          causation_id: ids.causationId,
          handler: this.handlerNames.get(descriptor.messageClass),
          'query.type': name,
        };
  }

  /** A bus call no hook matches: upstream's call, in the handler's context with correlation. */
  private executeUnobserved(
    descriptor: OperationDescriptor,
    bus: object,
    original: Method,
    message: unknown,
    asyncContext: unknown,
  ): unknown {
    if (!this.correlation) return original.call(bus, message, asyncContext);
    const ids = idsForDispatch(message, 'requestId', this.reporter);
    return runAsHandlerOf(ids, descriptor.messageType, () =>
      original.call(bus, message, asyncContext),
    );
  }

  /** Runs a message's frame, in the context where it is the message being handled. */
  private runFrame(frame: OperationFrame): unknown {
    if (!this.correlation) return frame.proceed();
    return runAsHandlerOf(frame.ids!, frame.descriptor.messageType, frame.proceed.bind(frame));
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
    const publication = new EventPublication([event], () =>
      original.apply(bus, args as unknown as unknown[]),
    );
    const frame = this.dispatchFrame(event, publication, 0);
    if (frame === undefined) return original.apply(bus, args as unknown as unknown[]);
    this.runDispatch(publication, 0, frame);
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
    const publication = new EventPublication(events, (batch) => original.call(bus, batch, ...rest));
    const frames: Array<OperationFrame | undefined> = events.map((event: unknown, i: number) =>
      this.dispatchFrame(event, publication, i),
    );
    if (frames.every((frame) => frame === undefined)) {
      return original.call(bus, events, ...rest);
    }
    // A synchronous throw (a hook refusing, the publisher failing) leaves this loop at once,
    // as upstream's throw would; nothing of an open batch has been published then.
    for (let i = 0; i < events.length; i++) {
      const frame = frames[i];
      if (frame === undefined) publication.arrive(i);
      else this.runDispatch(publication, i, frame);
    }
    return publication.callerResult();
  }

  /** The `event.dispatch` frame of event `index`, or undefined when nothing runs around it. */
  private dispatchFrame(
    event: unknown,
    publication: EventPublication,
    index: number,
  ): OperationFrame | undefined {
    const type = messageClassOf(event);
    const descriptor = type.dispatch;
    const links = this.registry.chainFor(descriptor);
    if (!this.correlation && links.length === 0) return undefined;
    const ids = this.eventIds(event);
    const attributes: OperationAttributes = {
      kind: 'event',
      message_type: type.name,
      message: event,
      message_id: ids.messageId,
      correlation_id: ids.correlationId,
      causation_id: ids.causationId,
      'event.type': type.name,
      'event.id': ids.messageId,
    };
    return new OperationFrame(
      descriptor,
      attributes,
      ids,
      type.type,
      links,
      publication,
      arrive,
      index,
    );
  }

  /** Runs operation `index` of a publication; its failures decide only what they may. */
  private runDispatch(publication: EventPublication, index: number, frame: OperationFrame): void {
    let result: unknown;
    try {
      result = frame.proceed();
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
          this.reporter.report(`A hook on "${frame.operation}"`, error);
        }
      },
    );
  }

  handleEvent(handler: string, instance: unknown, original: Method, event: unknown): unknown {
    const type = messageClassOf(event);
    const descriptor = type.handler(handler);
    const links = this.registry.chainFor(descriptor);
    if (!this.correlation && links.length === 0) return original.call(instance, event);
    const ids = this.eventIds(event);
    const attributes: OperationAttributes = {
      kind: 'event',
      message_type: type.name,
      message: event,
      message_id: ids.messageId,
      correlation_id: ids.correlationId,
      causation_id: ids.causationId,
      handler,
      'event.type': type.name,
      'event.id': ids.messageId,
      'handler.type': handler,
    };
    if (!this.correlation && isLoneHook(links)) {
      const link = links[0]!;
      return runLoneHook(
        link,
        descriptor.operation,
        attributes,
        type.type,
        instance,
        original,
        event,
      );
    }
    return this.runFrame(
      new OperationFrame(descriptor, attributes, ids, type.type, links, instance, original, event),
    );
  }

  /**
   * Wraps a saga: each event enters the saga's stream in a context where it is the message
   * being handled (so the saga's commands are caused by it), each command it emits is marked
   * for a `saga.run` operation, and a stream error is observed as `saga.error`.
   */
  wrapSaga(saga: string, original: Method): Method {
    const sagaEmissions = this.sagaEmissions;
    this.hasSagas = true;
    const run = sagaRunDescriptor(saga);
    const died = sagaErrorDescriptor(saga);
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
              runAsHandlerOf(idsForEvent(event), messageClassOf(event).name, () => {
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
                saga: run,
                eventType: handledMessageType(),
                event: eventOfEmission() ?? feeding,
                mergedEvents: mergedEventsOfEmission(),
              });
            }
            subscriber.next(command);
          },
          error: (error: unknown) => {
            notify(died.operation, {
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

  /** The `saga.run` frame around the command a saga emitted; its inner step runs the command's. */
  private sagaFrame(
    emission: SagaEmission,
    commandType: string,
    command: unknown,
    ids: MessageIds,
    commandFrame: OperationFrame,
  ): OperationFrame {
    const saga = emission.saga;
    const attributes: OperationAttributes = {
      kind: 'saga',
      message_type: saga.messageType,
      message: command,
      message_id: ids.messageId,
      correlation_id: ids.correlationId,
      causation_id: ids.causationId,
      handler: saga.messageType,
      'saga.type': saga.messageType,
      'event.type': emission.eventType,
      'saga.event': emission.event,
      'command.type': commandType,
    };
    if (emission.mergedEvents !== undefined) {
      attributes[Keys.SAGA_MERGED_EVENTS] = emission.mergedEvents;
    }
    const frame = new OperationFrame(
      saga,
      attributes,
      ids,
      commandFrame.messageClass,
      this.registry.chainFor(saga),
      this,
      this.runFrame as (this: unknown, frame: unknown) => unknown,
      commandFrame,
    );
    frame.sagaTrigger = emission.event;
    return frame;
  }

  private eventIds(event: unknown): MessageIds {
    return this.correlation
      ? idsForEvent(event, this.reporter)
      : ownIds(event, 'eventId', this.reporter);
  }
}

const arrive = EventPublication.prototype.arrive as (this: unknown, index: unknown) => unknown;

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
