import { Inject, Injectable, OnModuleInit } from '@nestjs/common';
import { ambientTenantId, messageTenantId, runWithTenant } from '../correlation/tenant.context';
import type { ResolvedTenantOptions } from '../correlation/tenant.options';
import { HookRegistry } from '../hooks/hook.registry';
import type { CqrsInterceptor, CqrsOperationContext, HookNext } from '../hooks/hook.types';
import { MESSAGE_OPERATIONS } from '../hooks/operations';
import { RAW_NEXT } from '../hooks/registration';
import { RESOLVED_OPTIONS, SAGA_TRIGGER_EVENT } from '../shared/tokens';
import { TENANT_PRIORITY } from './tenancy.constants';

/** The part of the module's resolved options read here (the module provides all of them). */
type ModuleOptions = { readonly tenant: ResolvedTenantOptions | false };

const DISPATCH_PREFIX = 'event.dispatch.';
const HANDLER_PREFIX = 'event.handler.';
const SAGA_PREFIX = 'saga.run.';

/**
 * Works out each operation's tenant before any signal sees it, puts it on the attributes
 * (`tenant_id`) for the signals and the application's hooks, and runs the operation where it is
 * the flow's tenant, so what the handler dispatches inherits it, as it does the correlation id.
 *
 * A message's own `tenant.fromMessage` field wins; an event handler and a saga step then take
 * the tenant their event was published with (kept beside the event, never on it — a handler
 * may run outside the publisher's context); then the flow's tenant, the application's
 * `tenant.fromCls` key and the request's `tenant.header`. Registered only when `tenant` is on.
 */
@Injectable()
export class TenantInterceptor implements CqrsInterceptor, OnModuleInit {
  readonly operations = MESSAGE_OPERATIONS;
  readonly priority = TENANT_PRIORITY;
  private readonly options: ResolvedTenantOptions | false;
  private readonly eventTenants = new WeakMap<object, string>();

  constructor(
    private readonly registry: HookRegistry,
    @Inject(RESOLVED_OPTIONS) options: ModuleOptions,
  ) {
    this.options = options.tenant;
  }

  onModuleInit(): void {
    if (this.options === false) return;
    this.registry.register(this, {
      operations: this.operations,
      priority: this.priority,
      [RAW_NEXT]: true,
    } as Parameters<HookRegistry['register']>[1]);
  }

  intercept(context: CqrsOperationContext, next: HookNext): unknown {
    const tenant = this.tenantOf(context);
    if (tenant === undefined) return next();
    context.attributes.tenant_id = tenant;
    return runWithTenant(tenant, next);
  }

  private tenantOf({ operation, attributes }: CqrsOperationContext): string | undefined {
    const options = this.options as ResolvedTenantOptions;
    const message = attributes.message;
    let tenant = messageTenantId(message, options.fromMessage);
    if (tenant === undefined) {
      if (operation.startsWith(HANDLER_PREFIX)) tenant = this.publishedWith(message);
      else if (operation.startsWith(SAGA_PREFIX)) {
        tenant = this.publishedWith((attributes as Record<symbol, unknown>)[SAGA_TRIGGER_EVENT]);
      }
    }
    tenant ??= ambientTenantId(options);
    if (
      tenant !== undefined &&
      operation.startsWith(DISPATCH_PREFIX) &&
      message !== null &&
      typeof message === 'object'
    ) {
      this.eventTenants.set(message, tenant);
    }
    return tenant;
  }

  private publishedWith(event: unknown): string | undefined {
    return event !== null && typeof event === 'object' ? this.eventTenants.get(event) : undefined;
  }
}
