import { Inject, Injectable, OnModuleInit } from '@nestjs/common';
import { RESOLVED_OPTIONS } from '../cqrs-observability.internal-constants';
import { HookRegistry, RAW_NEXT } from '../hooks/hook.registry';
import type { CqrsInterceptor, CqrsOperationContext, HookNext } from '../hooks/hook.types';
import { BuiltInPriority } from '../hooks/operations';
import type { ResolvedObservabilityOptions } from '../options';
import { MessageValidator } from './message.validator';

/**
 * Rejects an invalid message before anything else sees it: `execute` rejects with
 * `MessageValidationError`, `publish` throws it (publish has no promise to reject), and the
 * handler is never called.
 */
@Injectable()
export class ValidationInterceptor implements CqrsInterceptor, OnModuleInit {
  readonly operations = ['command.execute.*', 'query.execute.*', 'event.dispatch.*'];
  readonly priority = BuiltInPriority.validation;
  private readonly validator: MessageValidator | undefined;

  constructor(
    private readonly registry: HookRegistry,
    @Inject(RESOLVED_OPTIONS) options: ResolvedObservabilityOptions,
  ) {
    this.validator =
      options.validation === false ? undefined : new MessageValidator(options.validation);
  }

  onModuleInit(): void {
    if (this.validator === undefined) return;
    this.registry.register(this, {
      operations: this.operations,
      priority: this.priority,
      [RAW_NEXT]: true,
    } as Parameters<HookRegistry['register']>[1]);
  }

  intercept(context: CqrsOperationContext, next: HookNext): unknown {
    const error = this.validator?.validate(context.attributes.message);
    if (error === undefined) return next();
    if (context.attributes.kind === 'event') throw error;
    return Promise.reject(error);
  }
}
