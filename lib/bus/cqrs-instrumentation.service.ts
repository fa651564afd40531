import {
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
  OnModuleDestroy,
  OnModuleInit,
} from '@nestjs/common';
import { DiscoveryService } from '@nestjs/core';
import { CommandBus, EventBus, QueryBus, UnhandledExceptionBus } from '@nestjs/cqrs';
import {
  COMMAND_HANDLER_METADATA,
  EVENTS_HANDLER_METADATA,
  QUERY_HANDLER_METADATA,
  SAGA_METADATA,
} from './cqrs-metadata-keys';
import type { Subscription } from 'rxjs';
import { FailureReporter } from '../errors/failure-reporter';
import { HookRegistry } from '../hooks/hook.registry';
import type { MessageKind, OperationAttributes } from '../hooks/hook.types';
import { OperationNames } from '../hooks/operations';
import { TelemetryPolicies } from '../hooks/telemetry-policies';
import { FAILURE_REPORTER, MESSAGE_CLASS, RESOLVED_OPTIONS } from '../shared/tokens';
import type { ResolvedCorrelationOptions } from '../correlation/correlation.options';
import { MessageDispatcher } from './message-dispatcher';
import { messageClassOf } from '../hooks/operation-descriptor';
import { PatchSet } from './patch-set';
import { attachScopedHandler, detachScopedHandler } from './scoped-handler-patches';
import { LOGGER_CONTEXT } from '../errors/logger-context';

/** The part of the module's resolved options read here (the module provides all of them). */
type ModuleOptions = { readonly correlation: ResolvedCorrelationOptions | false };

type Method = (...args: any[]) => any;
type InstanceWrapper = ReturnType<DiscoveryService['getProviders']>[number];

interface RegisteredHandler {
  kind: MessageKind;
  handler: string;
  messageType: string;
  /** The message class (none for a saga). */
  messageClass: unknown;
}

/**
 * Wraps every CommandBus, QueryBus and EventBus of the application, each event handler and
 * each saga, in `onModuleInit` — before CqrsModule registers them in `onApplicationBootstrap`
 * — and undoes it all on shutdown.
 */
@Injectable()
export class CqrsInstrumentationService
  implements OnModuleInit, OnApplicationBootstrap, OnModuleDestroy
{
  private readonly logger = new Logger(LOGGER_CONTEXT);
  private readonly patches = new PatchSet();
  private readonly scopedPrototypes: object[] = [];
  private readonly subscriptions: Subscription[] = [];
  private readonly registered: RegisteredHandler[] = [];
  private readonly observedBuses = new WeakSet<object>();
  private readonly sagaClassByProperty = new Map<string, string>();
  private readonly dispatcher: MessageDispatcher;

  constructor(
    private readonly discovery: DiscoveryService,
    registry: HookRegistry,
    @Inject(RESOLVED_OPTIONS) options: ModuleOptions,
    @Inject(FAILURE_REPORTER) reporter: FailureReporter,
    private readonly telemetry: TelemetryPolicies,
  ) {
    this.dispatcher = new MessageDispatcher(registry, options.correlation !== false, reporter);
  }

  onModuleInit(): void {
    const providers = this.discovery.getProviders();
    let buses = 0;
    for (const wrapper of providers) {
      const instance: unknown = wrapper.instance;
      if (instance instanceof CommandBus) buses += this.patchExecute(instance, 'command');
      else if (instance instanceof QueryBus) buses += this.patchExecute(instance, 'query');
      else if (instance instanceof EventBus) buses += this.patchEventBus(instance);
      else if (instance instanceof UnhandledExceptionBus) this.observeUnhandled(instance);
      else this.patchHandlers(wrapper);
    }
    if (buses === 0 && this.patches.size === 0) {
      this.logger.warn(
        'No CommandBus, QueryBus or EventBus found: import CqrsModule.forRoot() in the application for CqrsObservabilityModule to instrument it.',
      );
    }
  }

  onApplicationBootstrap(): void {
    for (const entry of this.registered) {
      const attributes: OperationAttributes = {
        kind: entry.kind,
        message_type: entry.messageType,
        handler: entry.handler,
        name: entry.messageType,
        class_name: entry.handler,
      };
      if (entry.messageClass !== undefined) {
        (attributes as Record<symbol, unknown>)[MESSAGE_CLASS] = entry.messageClass;
      }
      this.dispatcher.notify(OperationNames.messageRegistryRegister, attributes);
    }
    const messages = new Set<unknown>();
    for (const entry of this.registered) {
      if (entry.messageClass !== undefined) messages.add(entry.messageClass);
    }
    for (const line of this.telemetry.unmatchedEntries(messages)) this.logger.warn(line);
  }

  onModuleDestroy(): void {
    this.patches.restoreAll();
    for (const prototype of this.scopedPrototypes.splice(0)) {
      detachScopedHandler(prototype, this.dispatcher);
    }
    this.registered.length = 0;
    for (const subscription of this.subscriptions.splice(0)) subscription.unsubscribe();
  }

  private patchExecute(bus: CommandBus | QueryBus, kind: 'command' | 'query'): number {
    return Number(
      this.patches.replace<Method>(bus, 'execute', (original) =>
        this.dispatcher.executeOf(kind, original),
      ),
    );
  }

  private patchEventBus(bus: EventBus): number {
    const dispatcher = this.dispatcher;
    const published = this.patches.replace<Method>(
      bus,
      'publish',
      (original) =>
        function publish(this: object) {
          // eslint-disable-next-line prefer-rest-params
          return dispatcher.publish(this, original, arguments);
        },
    );
    this.patches.replace<Method>(
      bus,
      'publishAll',
      (original) =>
        function publishAll(this: object, events: unknown, ...rest: unknown[]) {
          return dispatcher.publishAll(this, original, events, rest);
        },
    );
    return Number(published);
  }

  private patchHandlers(wrapper: InstanceWrapper): void {
    const instance = wrapper.instance as Record<string, unknown> | undefined;
    const type = instance?.constructor as (new (...args: any[]) => unknown) | undefined;
    if (!instance || typeof type !== 'function') return;
    const handler = type.name;
    const command: unknown = Reflect.getMetadata(COMMAND_HANDLER_METADATA, type);
    if (command) this.rememberHandler('command', command, handler, type);
    const query: unknown = Reflect.getMetadata(QUERY_HANDLER_METADATA, type);
    if (query) this.rememberHandler('query', query, handler, type);
    const events: unknown = Reflect.getMetadata(EVENTS_HANDLER_METADATA, type);
    if (Array.isArray(events)) this.patchEventHandler(wrapper, instance, type, handler, events);
    const sagas: unknown = Reflect.getMetadata(SAGA_METADATA, type);
    if (Array.isArray(sagas)) this.patchSagas(instance, type, handler, sagas);
  }

  private rememberHandler(
    kind: 'command' | 'query',
    messageType: unknown,
    handler: string,
    type: object,
  ): void {
    this.dispatcher.registerHandler(kind, messageType, handler);
    this.telemetry.noteHandler(handler, type);
    this.registered.push({
      kind,
      handler,
      messageType: nameOfClass(messageType),
      messageClass: messageType,
    });
  }

  private patchEventHandler(
    wrapper: InstanceWrapper,
    instance: object,
    type: new (...args: any[]) => unknown,
    handler: string,
    events: unknown[],
  ): void {
    const dispatcher = this.dispatcher;
    let patched: boolean;
    if (wrapper.isDependencyTreeStatic()) {
      patched = this.patches.replace<Method>(
        instance,
        'handle',
        (original) =>
          function handle(this: unknown, event: unknown) {
            if (dispatcher.idle) return original.call(this, event);
            return dispatcher.handleEvent(handler, this, original, event);
          },
      );
    } else {
      // Request-scoped handlers get a new instance per event: their class is patched, once
      // for every application of the process that registers it.
      const prototype = type.prototype as object;
      patched = attachScopedHandler(prototype, handler, dispatcher);
      if (patched) this.scopedPrototypes.push(prototype);
    }
    if (!patched) return;
    this.telemetry.noteHandler(handler, type);
    for (const event of events) {
      this.registered.push({
        kind: 'event',
        handler,
        messageType: nameOfClass(event),
        messageClass: event,
      });
    }
  }

  private patchSagas(
    instance: Record<string, unknown>,
    type: object,
    saga: string,
    keys: unknown[],
  ): void {
    for (const key of keys) {
      if (typeof key !== 'string' && typeof key !== 'symbol') continue;
      const patched = this.patches.replace<Method>(instance, key, (original) =>
        this.dispatcher.wrapSaga(saga, original),
      );
      if (!patched) continue;
      this.telemetry.noteHandler(saga, type);
      this.registered.push({
        kind: 'saga',
        handler: saga,
        messageType: saga,
        messageClass: undefined,
      });
      // @nestjs/cqrs names a dead saga by its property; notices use the saga's class name.
      if (typeof key === 'string') this.sagaClassByProperty.set(key, saga);
    }
  }

  private observeUnhandled(bus: UnhandledExceptionBus): void {
    if (this.observedBuses.has(bus)) return;
    this.observedBuses.add(bus);
    this.subscriptions.push(
      bus.subscribe((info: { cause?: unknown; exception?: unknown }) => {
        const cause = info?.cause;
        // Upstream names a dead saga by its name; other causes are the failed message.
        const kind: MessageKind =
          typeof cause === 'string' ? 'saga' : this.dispatcher.kindOf(cause);
        const causeType =
          typeof cause === 'string'
            ? (this.sagaClassByProperty.get(cause) ?? cause)
            : messageClassOf(cause).name;
        const attributes: OperationAttributes = {
          kind,
          message_type: causeType,
          message: cause,
          cause_type: causeType,
          error: info?.exception,
        };
        // A dead saga's notice names the saga as its handler: the saga's telemetry policy applies.
        if (kind === 'saga') attributes.handler = causeType;
        this.dispatcher.notify(OperationNames.unhandledException(causeType), attributes);
      }),
    );
  }
}

function nameOfClass(type: unknown): string {
  return typeof type === 'function' && type.name ? type.name : 'Anonymous';
}
