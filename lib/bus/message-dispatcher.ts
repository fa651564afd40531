import { Observable } from 'rxjs';
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
import type { CqrsOperationContext, MessageKind, OperationAttributes } from '../hooks/hook.types';
import { OperationNames } from '../hooks/operations';
import { isThenable } from '../hooks/pipeline';
import { classOf, messageTypeOf } from './message-type';
import {
  enterSaga,
  eventOfEmission,
  mergedEventsOfEmission,
  SagaEventStream,
} from './saga-event-stream';

type Method = (...args: any[]) => any;

interface SagaEmission {
  readonly saga: string;
  readonly eventType: string | undefined;
  /** The event whose flow the emission continues. */
  readonly event: object | undefined;
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
      ? idsForDispatch(message, 'requestId')
      : ownIds(message, 'requestId');
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

  publish(bus: object, original: Method, args: IArguments | unknown[]): unknown {
    const event: unknown = args[0];
    if (event === undefined || event === null) {
      // Upstream hands it to the subject, where the handlers' filters throw out of band and
      // take the process down; a clear synchronous error is kinder.
      throw new TypeError(
        `EventBus.publish(event): event must be an event object, received ${event}`,
      );
    }
    if (this.idle) return original.apply(bus, args as unknown[]);
    const type = messageTypeOf(event);
    const operation = type.dispatchOperation;
    if (this.bypasses(operation)) return original.apply(bus, args as unknown[]);
    const ids = this.eventIds(event);
    const attributes = messageAttributes('event', type.name, event, ids);
    attributes['event.type'] = type.name;
    attributes['event.id'] = ids.messageId;
    const context: CqrsOperationContext = { operation, attributes };
    let published: unknown;
    const result = this.registry.run(
      context,
      () => (published = original.apply(bus, args as unknown[])),
    );
    // publish() is fire-and-forget: its caller gets what the publisher returned, at once.
    if (result !== published && isThenable(result)) {
      result.then(undefined, (error: unknown) =>
        this.reporter.report(`A hook on "${operation}"`, error),
      );
    }
    return published;
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
      // Each stage piped onto it emits an event in that event's own flow (saga-event-stream.ts).
      const input$ = new SagaEventStream<unknown>(
        (subscriber) =>
          events$.subscribe({
            next: (event) =>
              runAsHandlerOf(idsForEvent(event), messageTypeOf(event).name, () => {
                if (idle()) subscriber.next(event);
                else enterSaga(event, () => subscriber.next(event));
              }),
            error: (error: unknown) => subscriber.error(error),
            complete: () => subscriber.complete(),
          }),
        true,
      );
      const output: unknown = original.call(this, input$, ...rest);
      if (!(output instanceof Observable)) return output;
      return new Observable<unknown>((subscriber) =>
        output.subscribe({
          next: (command) => {
            if (command !== null && typeof command === 'object') {
              sagaEmissions.set(command, {
                saga,
                eventType: handledMessageType(),
                event: eventOfEmission(),
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
    return this.correlation ? idsForEvent(event) : ownIds(event, 'eventId');
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
