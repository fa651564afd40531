import { getCausationId, getCorrelationId } from '../correlation/correlation.context';
import { getTenantId } from '../correlation/tenant.context';
import { activeSpanContext } from '../shared/active-span';
import { MixinFields } from './logging.constants';

/** What the mixin adds to a line; keys without a value in the current context are left out. */
export interface CqrsLogMixinFields {
  [MixinFields.CORRELATION_ID]?: string;
  [MixinFields.CAUSATION_ID]?: string;
  [MixinFields.TRACE_ID]?: string;
  [MixinFields.TENANT_ID]?: string;
}

/**
 * A pino `mixin` that puts the flow's `correlation_id`, `causation_id`, `tenant_id` (with the
 * `tenant` option) and the active span's `trace_id` on every line the application logs — in
 * HTTP requests, handlers and background work alike — so any line joins its flow and its trace:
 *
 * ```ts
 * LoggerModule.forRoot({ pinoHttp: { mixin: cqrsLogMixin() } })
 * ```
 *
 * Fields of the log call itself win over the mixin's. Never throws.
 */
export function cqrsLogMixin(): () => CqrsLogMixinFields {
  return function cqrsMixin(): CqrsLogMixinFields {
    // pino merges the log call's fields into this object: it must be a new one each time.
    const fields: CqrsLogMixinFields = {};
    try {
      const correlationId = getCorrelationId();
      if (correlationId !== undefined) fields.correlation_id = correlationId;
      const causationId = getCausationId();
      if (causationId !== undefined) fields.causation_id = causationId;
      const tenantId = getTenantId();
      if (tenantId !== undefined) fields.tenant_id = tenantId;
      const spanContext = activeSpanContext();
      if (spanContext !== undefined) fields.trace_id = spanContext.traceId;
    } catch {
      // A log line is never lost to its decoration.
    }
    return fields;
  };
}
