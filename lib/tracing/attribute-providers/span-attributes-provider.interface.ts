import type { OperationAttributes } from '../../hooks/hook.types';
import type { SpanAttributes } from '../span-factories/cqrs-span.interface';

/**
 * Adds attributes to the span of a message (Axon's `SpanAttributesProvider`). It receives the
 * message and the attributes of its operation (`kind`, `message_type`, `message_id`,
 * `correlation_id`, `causation_id`, `handler`, …) and returns the span attributes to add, or
 * `undefined` for none.
 *
 * Providers run only for spans that record, after the span started. One that throws is
 * reported and skipped: the dispatch goes on and the span still ends.
 *
 * ```ts
 * const tenant: SpanAttributesProvider = (message) =>
 *   message instanceof TenantCommand ? { 'app.tenant': message.tenantId } : undefined;
 * ```
 */
export type SpanAttributesProvider = (
  message: unknown,
  attributes: Readonly<OperationAttributes>,
) => SpanAttributes | undefined;
