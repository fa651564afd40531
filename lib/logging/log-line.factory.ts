import { failureOutcome } from '../hooks/operation-outcome';
import { getCausationId, getCorrelationId } from '../correlation/correlation.context';
import { getTenantId } from '../correlation/tenant.context';
import type { OperationAttributes } from '../hooks/hook.types';
import { DEFAULT_TELEMETRY_POLICY, type ResolvedTelemetryPolicy } from '../hooks/telemetry-policy';
import type { RedactionPolicy } from '../redaction/redaction.policy';
import { activeSpanContext } from '../shared/active-span';
import { toLogError } from './log-error';
import { type CqrsLogLevel, type CqrsLogLine, LogOutcome } from './logging.constants';

/** Builds the fields and the short message of CQRS log lines. */
export class LogLineFactory {
  constructor(
    private readonly slowThresholdMs: number,
    /** Set only with `logging.payload: true`. */
    private readonly policy: RedactionPolicy | undefined,
    /** The same policy, always: what `err` may show of a thrown value. */
    private readonly errorPolicy: RedactionPolicy,
  ) {}

  /**
   * Error on failure, warn when slow, else info (debug for event handlers) — the type's
   * telemetry policy may set its own slow threshold and success level.
   */
  level(
    attributes: OperationAttributes,
    durationMs: number,
    failed: boolean,
    policy: ResolvedTelemetryPolicy = DEFAULT_TELEMETRY_POLICY,
  ): CqrsLogLevel {
    if (failed) return 'error';
    if (durationMs >= (policy.slowThresholdMs ?? this.slowThresholdMs)) return 'warn';
    return policy.logLevel ?? (attributes.kind === 'event' ? 'debug' : 'info');
  }

  /** `command PlaceOrderCommand succeeded in 3.2ms`. */
  message(
    attributes: OperationAttributes,
    durationMs: number,
    level: CqrsLogLevel,
    policy: ResolvedTelemetryPolicy = DEFAULT_TELEMETRY_POLICY,
  ): string {
    const subject = subjectOf(attributes);
    const duration = `${roundMs(durationMs)}ms`;
    if (level === 'error') return `${subject} failed in ${duration}`;
    const threshold = policy.slowThresholdMs ?? this.slowThresholdMs;
    if (level === 'warn' && durationMs >= threshold) {
      return `${subject} succeeded in ${duration}, slower than ${threshold}ms`;
    }
    return `${subject} succeeded in ${duration}`;
  }

  /** Fields of an operation's line; `error` only when it failed. */
  line(
    attributes: OperationAttributes,
    durationMs: number | undefined,
    failed: boolean,
    error: unknown,
    policy: ResolvedTelemetryPolicy = DEFAULT_TELEMETRY_POLICY,
  ): CqrsLogLine {
    const spanContext = activeSpanContext();
    const line: CqrsLogLine = {
      kind: attributes.kind,
      message_type: attributes.message_type,
      outcome: failed ? failureOutcome(error) : LogOutcome.SUCCESS,
      duration_ms: durationMs === undefined ? undefined : roundMs(durationMs),
      correlation_id: attributes.correlation_id,
      causation_id: attributes.causation_id,
      message_id: attributes.message_id,
      handler: attributes.handler,
      trace_id: spanContext?.traceId,
      span_id: spanContext?.spanId,
      err: failed ? toLogError(this.errorPolicy.redactError(error)) : undefined,
      payload:
        this.policy !== undefined && policy.payload && attributes.message !== undefined
          ? this.policy.sanitize(attributes.message)
          : undefined,
    };
    // Added only when present, so a line without them keeps its shape (and costs nothing).
    const tenantId = attributes.tenant_id;
    if (tenantId !== undefined) line.tenant_id = tenantId;
    const audit = this.errorPolicy.auditRecord(attributes.message);
    if (audit !== undefined) line.audit = audit;
    return line;
  }

  /**
   * The line of a saga whose stream died. The notice carries no ids; the stream failed while
   * handling an event, in that event's context, so the ambient ids are the flow's.
   */
  sagaErrorLine(attributes: OperationAttributes): { message: string; line: CqrsLogLine } {
    const line = this.line(attributes, undefined, true, attributes.error);
    line.correlation_id ??= getCorrelationId();
    line.causation_id ??= getCausationId();
    const tenantId = getTenantId();
    if (tenantId !== undefined) line.tenant_id ??= tenantId;
    return {
      message: `saga ${attributes.message_type ?? 'unknown'} stream failed; the saga stopped`,
      line,
    };
  }
}

/** The debug line of an event published with no event handler, taken by no saga. */
export function unhandledEventLine(
  factory: LogLineFactory,
  attributes: OperationAttributes,
  policy: ResolvedTelemetryPolicy = DEFAULT_TELEMETRY_POLICY,
): { message: string; line: CqrsLogLine } {
  const line = factory.line(attributes, undefined, false, undefined, policy);
  line.outcome = LogOutcome.UNHANDLED;
  return {
    message: `event ${attributes.message_type ?? 'unknown'} unhandled: no event handler and no saga took it`,
    line,
  };
}

function subjectOf(attributes: OperationAttributes): string {
  const type = attributes.message_type ?? 'unknown';
  if (attributes.kind === 'event' && attributes.handler !== undefined) {
    return `event ${type} in ${attributes.handler}`;
  }
  return `${attributes.kind ?? 'message'} ${type}`;
}

function roundMs(ms: number): number {
  return Math.round(ms * 100) / 100;
}
