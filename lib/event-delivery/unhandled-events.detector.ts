import { Inject, Injectable, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { DiscoveryService } from '@nestjs/core';
import { EVENTS_HANDLER_METADATA } from '../bus/cqrs-metadata-keys';
import { wasTakenBySaga, watchSagaIntake } from '../bus/saga-event-stream';
import { FAILURE_REPORTER } from '../shared/tokens';
import type { FailureReporter } from '../errors/failure-reporter';
import { fireAndForgetHook } from '../hooks/fire-and-forget';
import { HookRegistry } from '../hooks/hook.registry';
import type { HookRegistration, OperationAttributes } from '../hooks/hook.types';
import { OperationNames } from '../hooks/operations';

/** Any name: whether a hook listens to `event.unhandled.*` does not depend on the event. */
const PROBE_OPERATION = OperationNames.eventUnhandled('_');

/**
 * Emits the `event.unhandled.{Event}` notice for each event published with no event handler
 * for its class and taken by no saga (no saga's first operator, typically `ofType`, let it
 * through). It registers nothing unless a hook listens to those notices at bootstrap — the
 * metrics and logging signals do — so otherwise it costs nothing.
 */
@Injectable()
export class UnhandledEventsDetector implements OnApplicationBootstrap, OnModuleDestroy {
  /** The event classes that have an `@EventsHandler`. */
  private readonly handledTypes = new Set<unknown>();
  private registration: HookRegistration | undefined;
  private stopWatchingSagas: (() => void) | undefined;

  constructor(
    private readonly registry: HookRegistry,
    private readonly discovery: DiscoveryService,
    @Inject(FAILURE_REPORTER) private readonly reporter: FailureReporter,
  ) {}

  onApplicationBootstrap(): void {
    if (!this.registry.hasHooksFor(PROBE_OPERATION)) return;
    this.collectHandledTypes();
    this.stopWatchingSagas = watchSagaIntake();
    this.registration = this.registry.registerSignal(
      {
        around: (frame) => {
          const result = frame.proceed();
          this.check(frame.attributes);
          return result;
        },
      },
      { operations: ['event.dispatch.*'], priority: 1000 },
    );
  }

  onModuleDestroy(): void {
    this.registration?.unregister();
    this.registration = undefined;
    this.stopWatchingSagas?.();
    this.stopWatchingSagas = undefined;
  }

  /** As @nestjs/cqrs finds them: `@EventsHandler(...)` metadata on the app's providers. */
  private collectHandledTypes(): void {
    for (const wrapper of this.discovery.getProviders()) {
      // The class itself for request-scoped handlers, which have no static instance.
      const type: unknown =
        wrapper.metatype ?? (wrapper.instance as object | null | undefined)?.constructor;
      if (typeof type !== 'function') continue;
      const events: unknown = Reflect.getMetadata(EVENTS_HANDLER_METADATA, type);
      if (Array.isArray(events)) for (const event of events) this.handledTypes.add(event);
    }
  }

  /** Called once the publisher has delivered the event: handlers and sagas have seen it. */
  private check(dispatched: OperationAttributes): void {
    const type = dispatched.message_type;
    const event = dispatched.message;
    if (typeof type !== 'string' || event === null || typeof event !== 'object') return;
    // @nestjs/cqrs routes an event to the handlers of its exact class.
    if (this.handledTypes.has(event.constructor) || wasTakenBySaga(event)) return;
    fireAndForgetHook(
      this.registry,
      OperationNames.eventUnhandled(type),
      {
        kind: 'event',
        message_type: type,
        message: event,
        message_id: dispatched.message_id,
        correlation_id: dispatched.correlation_id,
        causation_id: dispatched.causation_id,
        'event.type': type,
      },
      this.reporter,
    );
  }
}
