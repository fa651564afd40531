import { Inject, Injectable, OnModuleInit } from '@nestjs/common';
import { RESOLVED_OPTIONS } from '../shared/tokens';
import { HookRegistry } from '../hooks/hook.registry';
import type { OperationFrame } from '../hooks/operation-frame';
import { BuiltInPriority } from '../hooks/operations';
import type { AroundSignal } from '../hooks/signal';
import type { ValidatorOptions } from 'class-validator';
import { MessageValidator } from './message.validator';

/** The part of the module's resolved options read here (the module provides all of them). */
type ModuleOptions = { readonly validation: ValidatorOptions | false };

/**
 * Rejects an invalid message before anything else sees it: `execute` rejects with
 * `MessageValidationError`, `publish` throws it (publish has no promise to reject), and the
 * handler is never called.
 */
@Injectable()
export class ValidationInterceptor implements AroundSignal, OnModuleInit {
  readonly operations = ['command.execute.*', 'query.execute.*', 'event.dispatch.*'];
  readonly priority = BuiltInPriority.validation;
  private readonly validator: MessageValidator | undefined;

  constructor(
    private readonly registry: HookRegistry,
    @Inject(RESOLVED_OPTIONS) options: ModuleOptions,
  ) {
    this.validator =
      options.validation === false ? undefined : new MessageValidator(options.validation);
  }

  onModuleInit(): void {
    if (this.validator === undefined) return;
    this.registry.registerSignal(this, { operations: this.operations, priority: this.priority });
  }

  around(frame: OperationFrame): unknown {
    const error = this.validator?.validate(frame.attributes.message);
    if (error === undefined) return frame.proceed();
    if (frame.attributes.kind === 'event') throw error;
    return Promise.reject(error);
  }
}
