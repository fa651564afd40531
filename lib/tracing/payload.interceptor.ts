import { Inject, Injectable, OnModuleInit } from '@nestjs/common';
import { FAILURE_REPORTER, RESOLVED_OPTIONS } from '../cqrs-observability.internal-constants';
import type { FailureReporter } from '../errors/failure-reporter';
import { HookRegistry, RAW_NEXT } from '../hooks/hook.registry';
import type { CqrsInterceptor, CqrsOperationContext, HookNext } from '../hooks/hook.types';
import { BuiltInPriority } from '../hooks/operations';
import type { ResolvedObservabilityOptions } from '../options';
import type { RedactionPolicy } from '../redaction/redaction.policy';
import type { CqrsSpan } from './cqrs-span.interface';
import {
  PAYLOAD_EVENT_ATTRIBUTE,
  PAYLOAD_EVENT_NAME,
  TracingAttributes,
} from './tracing.constants';
import { OPERATION_SPAN, TRACING_REDACTION_POLICY } from './tracing.internal-constants';

/**
 * Puts the redacted payload of each command and query on its span: the span event
 * `cqrs.command_payload` (attribute `payload`, the policy's JSON) and the span attributes
 * `cqrs.payload_present`, `cqrs.payload_truncated`, `cqrs.payload_size`. The message is not
 * read at all when the span does not record (sampled out, no SDK).
 */
@Injectable()
export class PayloadInterceptor implements CqrsInterceptor, OnModuleInit {
  readonly operations = ['command.execute.*', 'query.execute.*'];
  readonly priority = BuiltInPriority.payload;
  private readonly enabled: boolean;

  constructor(
    private readonly registry: HookRegistry,
    @Inject(RESOLVED_OPTIONS) options: ResolvedObservabilityOptions,
    @Inject(FAILURE_REPORTER) private readonly reporter: FailureReporter,
    @Inject(TRACING_REDACTION_POLICY) private readonly policy: RedactionPolicy | null,
  ) {
    this.enabled = options.tracing !== false && options.tracing.payload && policy !== null;
  }

  onModuleInit(): void {
    if (!this.enabled) return;
    this.registry.register(this, {
      operations: this.operations,
      priority: this.priority,
      [RAW_NEXT]: true,
    } as Parameters<HookRegistry['register']>[1]);
  }

  intercept(context: CqrsOperationContext, next: HookNext): unknown {
    // The span the tracing interceptor made for this very operation, not whatever is active.
    const span = (context.attributes as Record<symbol, unknown>)[OPERATION_SPAN] as
      CqrsSpan | undefined;
    if (span !== undefined) this.record(span, context.attributes.message);
    return next();
  }

  private record(span: CqrsSpan, message: unknown): void {
    try {
      if (!span.isRecording()) return;
      const present = message !== undefined && message !== null;
      span.setAttribute(TracingAttributes.PAYLOAD_PRESENT, present);
      if (!present) return;
      const payload = this.policy!.serialize(message);
      span.setAttribute(TracingAttributes.PAYLOAD_TRUNCATED, payload.truncated);
      span.setAttribute(TracingAttributes.PAYLOAD_SIZE, payload.size);
      span.addEvent(PAYLOAD_EVENT_NAME, { [PAYLOAD_EVENT_ATTRIBUTE]: payload.json });
    } catch (error) {
      this.reporter.report('Payload tracing', error);
    }
  }
}
