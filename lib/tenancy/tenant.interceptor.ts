import { Inject, Injectable, OnModuleInit } from '@nestjs/common';
import { ambientTenantId, messageTenantId, runWithTenant } from '../correlation/tenant.context';
import type { ResolvedTenantOptions } from '../correlation/tenant.options';
import { HookRegistry } from '../hooks/hook.registry';
import { OperationRole } from '../hooks/operation-descriptor';
import type { OperationFrame } from '../hooks/operation-frame';
import { MESSAGE_OPERATIONS } from '../hooks/operations';
import type { AroundSignal } from '../hooks/signal';
import { RESOLVED_OPTIONS } from '../shared/tokens';
import { TENANT_PRIORITY } from './tenancy.constants';

/** The part of the module's resolved options read here (the module provides all of them). */
type ModuleOptions = { readonly tenant: ResolvedTenantOptions | false };

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
export class TenantInterceptor implements AroundSignal, OnModuleInit {
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
    this.registry.registerSignal(this, { operations: this.operations, priority: this.priority });
  }

  around(frame: OperationFrame): unknown {
    const tenant = this.tenantOf(frame);
    if (tenant === undefined) return frame.proceed();
    frame.attributes.tenant_id = tenant;
    return runWithTenant(tenant, () => frame.proceed());
  }

  private tenantOf(frame: OperationFrame): string | undefined {
    const options = this.options as ResolvedTenantOptions;
    const role = frame.descriptor.role;
    const message = frame.attributes.message;
    let tenant = messageTenantId(message, options.fromMessage);
    if (tenant === undefined) {
      if (role === OperationRole.HANDLER) tenant = this.publishedWith(message);
      else if (role === OperationRole.SAGA) tenant = this.publishedWith(frame.sagaTrigger);
    }
    tenant ??= ambientTenantId(options);
    if (
      tenant !== undefined &&
      role === OperationRole.DISPATCH &&
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
