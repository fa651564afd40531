import {
  Inject,
  Injectable,
  OnApplicationBootstrap,
  OnModuleDestroy,
  OnModuleInit,
} from '@nestjs/common';
import { wasTakenBySaga, watchSagaIntake } from '../bus/saga-event-stream';
import { FAILURE_REPORTER } from '../cqrs-observability.internal-constants';
import type { FailureReporter } from '../errors/failure-reporter';
import { fireAndForgetHook } from '../hooks/fire-and-forget';
import { HookRegistry, RAW_NEXT } from '../hooks/hook.registry';
import type { HookRegistration, OperationAttributes } from '../hooks/hook.types';
import { OperationNames } from '../hooks/operations';

type RegisterOptions = Parameters<HookRegistry['register']>[1];

/** Any name: whether a hook listens to `event.unhandled.*` does not depend on the event. */
const PROBE_OPERATION = OperationNames.eventUnhandled('_');

/**
 * Emits the `event.unhandled.{Event}` notice for each event published with no event handler
 * for its class and taken by no saga (no saga's first operator, typically `ofType`, let it
 * through). It watches publishes only when a hook listens to those notices at bootstrap — the
 * metrics and logging signals do — so otherwise it costs nothing.
 */
@Injectable()
export class UnhandledEventsDetector
  implements OnModuleInit, OnApplicationBootstrap, OnModuleDestroy
{
  /** Class names of the events that have an `@EventsHandler`, from the registry notices. */
  private readonly handledTypes = new Set<string>();
  private readonly registrations: HookRegistration[] = [];
  private stopWatchingSagas: (() => void) | undefined;

  constructor(
    private readonly registry: HookRegistry,
    @Inject(FAILURE_REPORTER) private readonly reporter: FailureReporter,
  ) {}

  onModuleInit(): void {
    this.registrations.push(
      this.registry.register(
        (_operation, attributes, next) => {
          if (attributes.kind === 'event' && typeof attributes.message_type === 'string') {
            this.handledTypes.add(attributes.message_type);
          }
          return next();
        },
        {
          operations: [OperationNames.messageRegistryRegister],
          [RAW_NEXT]: true,
        } as RegisterOptions,
      ),
    );
  }

  onApplicationBootstrap(): void {
    if (!this.registry.hasHooksFor(PROBE_OPERATION)) return;
    this.stopWatchingSagas = watchSagaIntake();
    this.registrations.push(
      this.registry.register(
        (_operation, attributes, next) => {
          const result = next();
          this.check(attributes);
          return result;
        },
        { operations: ['event.dispatch.*'], priority: 1000, [RAW_NEXT]: true } as RegisterOptions,
      ),
    );
  }

  onModuleDestroy(): void {
    for (const registration of this.registrations.splice(0)) registration.unregister();
    this.stopWatchingSagas?.();
    this.stopWatchingSagas = undefined;
  }

  /** Called once the publisher has delivered the event: handlers and sagas have seen it. */
  private check(dispatched: OperationAttributes): void {
    const type = dispatched.message_type;
    if (typeof type !== 'string' || this.handledTypes.has(type)) return;
    if (wasTakenBySaga(dispatched.message)) return;
    fireAndForgetHook(
      this.registry,
      OperationNames.eventUnhandled(type),
      {
        kind: 'event',
        message_type: type,
        message: dispatched.message,
        message_id: dispatched.message_id,
        correlation_id: dispatched.correlation_id,
        causation_id: dispatched.causation_id,
        'event.type': type,
      },
      this.reporter,
    );
  }
}
