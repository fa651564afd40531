import { Injectable, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { type HookRegistration, HookRegistry } from 'nestjs-cqrs-observability';

/**
 * A plain hook registered from a provider: counts the commands each saga emits
 * (`saga.run.{Saga}` operations). The same registry runs the library's own signals, so this
 * hook sees the saga's correlation id and runs inside its span.
 */
@Injectable()
export class SagaRunCounter implements OnModuleInit, OnModuleDestroy {
  // Keyed by saga class name: as many entries as the app has sagas.
  private readonly runs = new Map<string, number>();
  private registration: HookRegistration | undefined;

  constructor(private readonly hooks: HookRegistry) {}

  onModuleInit(): void {
    this.registration = this.hooks.register(
      (_operation, attributes, next) => {
        const saga = attributes.handler ?? 'unknown';
        this.runs.set(saga, (this.runs.get(saga) ?? 0) + 1);
        return next();
      },
      { operations: ['saga.run.*'] },
    );
  }

  onModuleDestroy(): void {
    this.registration?.unregister();
  }

  snapshot(): Record<string, number> {
    return Object.fromEntries(this.runs);
  }
}
