import { Inject, Injectable, OnModuleInit, Type } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { RESOLVED_OPTIONS } from '../shared/tokens';
import { HookRegistry } from './hook.registry';
import type { CqrsInterceptor } from './hook.types';
import { MESSAGE_OPERATIONS } from './operations';

/** The part of the module's resolved options read here (the module provides all of them). */
type ModuleOptions = {
  readonly interceptors: readonly (Type<CqrsInterceptor> | CqrsInterceptor)[];
};

/** Registers the `interceptors` of the module options, resolving classes through DI. */
@Injectable()
export class UserInterceptorsInstaller implements OnModuleInit {
  constructor(
    private readonly registry: HookRegistry,
    private readonly moduleRef: ModuleRef,
    @Inject(RESOLVED_OPTIONS) private readonly options: ModuleOptions,
  ) {}

  async onModuleInit(): Promise<void> {
    for (const entry of this.options.interceptors) {
      const interceptor = typeof entry === 'function' ? await this.resolve(entry) : entry;
      if (typeof interceptor?.intercept !== 'function') {
        throw new TypeError(
          `CqrsObservabilityModule: interceptor ${typeof entry === 'function' ? entry.name : 'object'} has no intercept(context, next) method`,
        );
      }
      this.registry.register(interceptor, {
        operations: interceptor.operations ?? MESSAGE_OPERATIONS,
        priority: interceptor.priority ?? 0,
      });
    }
  }

  private async resolve(type: Type<CqrsInterceptor>): Promise<CqrsInterceptor> {
    try {
      return this.moduleRef.get(type, { strict: false });
    } catch {
      // Not a provider anywhere: build it with its constructor dependencies injected.
    }
    try {
      return await this.moduleRef.create(type);
    } catch (error) {
      // Built here, it only sees global providers; Nest's own message names our module,
      // which would send the user looking in the wrong place.
      throw new Error(
        `CqrsObservabilityModule: cannot build interceptor ${type.name}: ${error instanceof Error ? error.message : String(error)}\n` +
          `List ${type.name} in the providers of the module that provides its dependencies, or make those dependencies global.`,
        { cause: error },
      );
    }
  }
}
