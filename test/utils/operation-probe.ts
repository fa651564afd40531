import { Injectable, OnModuleInit } from '@nestjs/common';
import { HookRegistry, type OperationAttributes } from '../../lib';

export interface SeenOperation {
  readonly operation: string;
  readonly attributes: OperationAttributes;
}

/**
 * A provider that registers a hook on every operation in `onModuleInit`, so it is in place
 * before the application bootstraps (and before `message_registry.register` is emitted).
 * Add it to `createTestApp({ providers: [OperationProbe] })` and read `seen`.
 */
@Injectable()
export class OperationProbe implements OnModuleInit {
  readonly seen: SeenOperation[] = [];

  constructor(private readonly registry: HookRegistry) {}

  onModuleInit(): void {
    this.registry.register((operation, attributes, next) => {
      this.seen.push({ operation, attributes });
      return next();
    });
  }

  /** The operations seen so far whose name starts with `prefix`, in order. */
  named(prefix: string): SeenOperation[] {
    return this.seen.filter((entry) => entry.operation.startsWith(prefix));
  }

  names(): string[] {
    return this.seen.map((entry) => entry.operation);
  }
}
