import { Inject, Injectable, OnModuleInit } from '@nestjs/common';
import { FAILURE_REPORTER, RESOLVED_OPTIONS } from '../shared/tokens';
import type { FailureReporter } from '../errors/failure-reporter';
import { HookRegistry } from '../hooks/hook.registry';
import type { OperationFrame } from '../hooks/operation-frame';
import { BuiltInPriority } from '../hooks/operations';
import type { WatchingSignal } from '../hooks/signal';
import { TelemetryPolicies } from '../hooks/telemetry-policies';
import type { ResolvedTracingOptions } from './tracing.options';
import { RedactionPolicy } from '../redaction/redaction.policy';
import type { CqrsSpan } from './span-factories/cqrs-span.interface';
import {
  PAYLOAD_EVENT_ATTRIBUTE,
  PAYLOAD_EVENT_NAME,
  TracingAttributes,
} from './tracing.constants';

/** The part of the module's resolved options read here (the module provides all of them). */
type ModuleOptions = { readonly tracing: ResolvedTracingOptions | false };

/**
 * Puts the redacted payload of each command and query on its span: the span event
 * `cqrs.command_payload` (attribute `payload`, the policy's JSON) and the span attributes
 * `cqrs.payload_present`, `cqrs.payload_truncated`, `cqrs.payload_size`. The message is not
 * read at all when the span does not record (sampled out, no SDK).
 */
@Injectable()
export class PayloadInterceptor implements WatchingSignal, OnModuleInit {
  readonly operations = ['command.execute.*', 'query.execute.*'];
  readonly priority = BuiltInPriority.payload;
  private readonly enabled: boolean;

  constructor(
    private readonly registry: HookRegistry,
    @Inject(RESOLVED_OPTIONS) options: ModuleOptions,
    @Inject(FAILURE_REPORTER) private readonly reporter: FailureReporter,
    private readonly policy: RedactionPolicy,
    private readonly telemetry: TelemetryPolicies,
  ) {
    this.enabled = options.tracing !== false && options.tracing.payload;
  }

  onModuleInit(): void {
    if (!this.enabled) return;
    this.registry.registerSignal(this, { operations: this.operations, priority: this.priority });
  }

  start(frame: OperationFrame): void {
    // The span the tracing interceptor made for this very operation, not whatever is active.
    const span = frame.span;
    if (span === undefined || !span.isRecording() || !this.telemetry.ofFrame(frame).payload) return;
    this.record(span, frame.attributes.message);
  }

  report(failure: unknown): void {
    this.reporter.report('Payload tracing', failure);
  }

  private record(span: CqrsSpan, message: unknown): void {
    try {
      const present = message !== undefined && message !== null;
      span.setAttribute(TracingAttributes.PAYLOAD_PRESENT, present);
      if (!present) return;
      const payload = this.policy.serialize(message);
      span.setAttribute(TracingAttributes.PAYLOAD_TRUNCATED, payload.truncated);
      span.setAttribute(TracingAttributes.PAYLOAD_SIZE, payload.size);
      span.addEvent(PAYLOAD_EVENT_NAME, { [PAYLOAD_EVENT_ATTRIBUTE]: payload.json });
    } catch (error) {
      this.reporter.report('Payload tracing', error);
    }
  }
}
