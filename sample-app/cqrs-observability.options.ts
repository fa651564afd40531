import type { CqrsObservabilityModuleOptions } from 'nestjs-cqrs-observability';
import type { AppConfig } from './app.config';
import { AuditInterceptor } from './hooks/audit.interceptor';

/**
 * The factory given to `CqrsObservabilityModule.forRootAsync`: options computed from injected
 * configuration, as an app would from `@nestjs/config`'s ConfigService.
 */
export function cqrsObservabilityOptions(config: AppConfig): CqrsObservabilityModuleOptions {
  return {
    redaction: {
      // `email` needs no entry: it is one of the default sensitive fields. The user id is
      // hashed rather than hidden so every span and log line of one user can still be grouped.
      hashFields: ['requestedBy'],
    },
    logging: { slowThresholdMs: config.slowThresholdMs, payload: config.logPayloads },
    interceptors: [AuditInterceptor],
    // Which message leads to which, for GET /cqrs/flows.
    flowMap: true,
    // The tenant of each request (`x-tenant-id`) on every span, log line and Sentry event of
    // its flow, and per-tenant counts in cqrs_tenant_messages_total (capped at 20 tenants).
    tenant: { header: 'x-tenant-id', metricLabel: true, maxMetricTenants: 20 },
  };
}
