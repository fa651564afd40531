import { Inject, Injectable, OnModuleInit } from '@nestjs/common';
import { context, isSpanContextValid, SpanKind, trace, type SpanContext } from '@opentelemetry/api';
import { FAILURE_REPORTER, RESOLVED_OPTIONS, SAGA_TRIGGER_EVENT } from '../shared/tokens';
import type { FailureReporter } from '../errors/failure-reporter';
import { HookRegistry } from '../hooks/hook.registry';
import { RAW_NEXT } from '../hooks/registration';
import type {
  CqrsInterceptor,
  CqrsOperationContext,
  HookNext,
  MessageKind,
  OperationAttributes,
} from '../hooks/hook.types';
import type { OutcomeObserver } from '../hooks/observe-outcome';
import { BuiltInPriority, MESSAGE_OPERATIONS } from '../hooks/operations';
import { TelemetryPolicies } from '../hooks/telemetry-policies';
import type { ResolvedTelemetryPolicy } from '../hooks/telemetry-policy';
import { RedactionPolicy } from '../redaction/redaction.policy';
import type { CqrsSpan, SpanAttributes } from './cqrs-span.interface';
import { runInSpan } from './run-in-span';
import type { HandlerSpanOptions, SpanFactory } from './span-factory.interface';
import {
  MESSAGING_SYSTEM,
  MessagingOperationType,
  Outcome,
  SpanNames,
  TracingAttributes,
} from './tracing.constants';
import { OPERATION_SPAN, SPAN_FACTORY } from './tracing.internal-constants';
import type { EventHandlerTraceShape, ResolvedTracingOptions } from './tracing.options';

/** The part of the module's resolved options read here (the module provides all of them). */
type ModuleOptions = { readonly tracing: ResolvedTracingOptions | false };

const COMMAND = 0;
const QUERY = 1;
const DISPATCH = 2;
const HANDLER = 3;
const SAGA = 4;

const PREFIXES: ReadonlyArray<readonly [string, number, MessageKind]> = [
  ['command.execute.', COMMAND, 'command'],
  ['query.execute.', QUERY, 'query'],
  ['event.dispatch.', DISPATCH, 'event'],
  ['event.handler.', HANDLER, 'event'],
  ['saga.run.', SAGA, 'saga'],
];

/** What an operation's span looks like, worked out once per operation name. */
interface SpanPlan {
  readonly role: number;
  readonly kind: MessageKind;
  readonly name: string;
  /** The message type; for a saga, its name (the command type varies per emission). */
  readonly type: string;
  readonly operationType: string;
}

const MAX_PLANS = 2048;
const SOURCE = 'Tracing';

const COMMAND_SPAN: HandlerSpanOptions = Object.freeze({
  isChildTrace: true,
  parent: 'active',
  kind: SpanKind.INTERNAL,
});
const CHILD_OF_ACTIVE: HandlerSpanOptions = Object.freeze({ isChildTrace: true, parent: 'active' });
const LINKLESS_ROOT: HandlerSpanOptions = Object.freeze({ isChildTrace: false });

/**
 * One span per command, query, event publish, event handler and saga emission, through the
 * application's `SpanFactory`. The span is the active one while the operation runs, so what
 * the handler dispatches nests under it: command → event → handler / saga → command is one
 * trace (or, for events traced with `'link'`, one trace per handler linked to the publish).
 */
@Injectable()
export class TracingInterceptor implements CqrsInterceptor, OnModuleInit {
  readonly operations = MESSAGE_OPERATIONS;
  readonly priority = BuiltInPriority.tracing;
  private readonly tracing: ResolvedTracingOptions | false;
  private readonly plans = new Map<string, SpanPlan>();
  // The publish span of each event, for its handlers to attach to: beside the event, never on it.
  private readonly dispatchSpans = new WeakMap<object, SpanContext>();
  /** Ends the span of an operation however the operation ends. */
  private readonly spanOutcome: OutcomeObserver<CqrsSpan> = {
    onSuccess(span) {
      try {
        span.setAttribute(TracingAttributes.OUTCOME, Outcome.SUCCESS);
      } finally {
        span.end();
      }
    },
    onError: (span, error) => {
      try {
        span.setAttribute(TracingAttributes.OUTCOME, Outcome.ERROR);
        // The span sees the error as the policy lets it out: type, scrubbed message and stack.
        span.recordError(this.policy.redactError(error));
      } finally {
        span.end();
      }
    },
  };

  constructor(
    private readonly registry: HookRegistry,
    @Inject(RESOLVED_OPTIONS) options: ModuleOptions,
    @Inject(FAILURE_REPORTER) private readonly reporter: FailureReporter,
    @Inject(SPAN_FACTORY) private readonly factory: SpanFactory,
    private readonly policy: RedactionPolicy,
    private readonly telemetry: TelemetryPolicies,
  ) {
    this.tracing = options.tracing;
  }

  onModuleInit(): void {
    if (this.tracing === false) return;
    this.registry.register(this, {
      operations: this.operations,
      priority: this.priority,
      [RAW_NEXT]: true,
    } as Parameters<HookRegistry['register']>[1]);
  }

  intercept(context: CqrsOperationContext, next: HookNext): unknown {
    const a = context.attributes;
    const policy = this.telemetry.policyFor(a.message, a.handler);
    // No span: what the operation dispatches nests under the span active around it.
    if (!policy.tracing) return next();
    let span: CqrsSpan;
    try {
      span = this.startSpan(context, policy);
    } catch (error) {
      this.reporter.report(SOURCE, error);
      return next();
    }
    return runInSpan(span, next, this.spanOutcome, this.reporter, SOURCE, context.attributes);
  }

  private startSpan(context: CqrsOperationContext, policy: ResolvedTelemetryPolicy): CqrsSpan {
    const a = context.attributes;
    const plan = this.planFor(context.operation, a);
    const type = plan.role === SAGA ? stringOr(a['command.type'], plan.type) : plan.type;
    const attributes: SpanAttributes = {};
    attributes[TracingAttributes.KIND] = typeof a.kind === 'string' ? a.kind : plan.kind;
    attributes[TracingAttributes.COMMAND_TYPE] = type;
    attributes[TracingAttributes.MESSAGING_SYSTEM] = MESSAGING_SYSTEM;
    attributes[TracingAttributes.MESSAGING_OPERATION_TYPE] = plan.operationType;
    attributes[TracingAttributes.MESSAGING_DESTINATION_NAME] = type;
    if (typeof a.handler === 'string') attributes[TracingAttributes.HANDLER] = a.handler;

    const message = a.message;
    const factory = this.factory;
    let span: CqrsSpan;
    switch (plan.role) {
      case DISPATCH:
        span = factory.createDispatchSpan(plan.name, attributes, SpanKind.PRODUCER, a);
        break;
      case HANDLER:
        span = factory.createHandlerSpan(
          plan.name,
          attributes,
          this.handlerPlacement(policy.trace ?? this.defaultShape(), message),
          a,
        );
        break;
      case SAGA:
        span = this.startSagaSpan(plan.name, attributes, a);
        break;
      default:
        span = factory.createHandlerSpan(plan.name, attributes, COMMAND_SPAN, a);
    }
    // From here on the span exists: a failure below must not leave it open or untraced.
    try {
      (a as Record<symbol, unknown>)[OPERATION_SPAN] = span;
      if (plan.role === DISPATCH && message !== null && typeof message === 'object') {
        this.dispatchSpans.set(message, span.spanContext());
      }
      if (span.isRecording()) this.recordMarkedFields(span, message);
    } catch (error) {
      this.reporter.report(SOURCE, error);
    }
    return span;
  }

  /**
   * Under the publish span of the event the saga answered (a `publishAll` batch reaches the
   * publisher from its last event's context), else under the active span; an emission that
   * merged several events links the publish spans of the others.
   */
  private startSagaSpan(
    name: string,
    attributes: SpanAttributes,
    source: OperationAttributes,
  ): CqrsSpan {
    const event = (source as Record<symbol, unknown>)[SAGA_TRIGGER_EVENT];
    const published =
      event !== null && typeof event === 'object' ? this.dispatchSpans.get(event) : undefined;
    const merged = source['saga.merged_events'];
    const create = Array.isArray(merged)
      ? () => this.factory.createHandlerSpan(name, attributes, this.mergedPlacement(merged), source)
      : () => this.factory.createInternalSpan(name, attributes, source);
    if (published === undefined || !isSpanContextValid(published)) return create();
    return context.with(trace.setSpanContext(context.active(), published), create);
  }

  /** Child of the publish span, or a new trace linked to it, as the handler's policy says. */
  private handlerPlacement(shape: EventHandlerTraceShape, message: unknown): HandlerSpanOptions {
    const published =
      message !== null && typeof message === 'object' ? this.dispatchSpans.get(message) : undefined;
    const valid = published !== undefined && isSpanContextValid(published);
    if (shape === 'link') return valid ? { isChildTrace: false, link: published } : LINKLESS_ROOT;
    return valid ? { isChildTrace: true, parent: published } : CHILD_OF_ACTIVE;
  }

  /**
   * A saga emission that merged several events continues the flow of the last one (the active
   * span) and links the publish spans of the others.
   */
  private mergedPlacement(events: readonly unknown[]): HandlerSpanOptions {
    const links: SpanContext[] = [];
    for (const event of events) {
      const published =
        event !== null && typeof event === 'object' ? this.dispatchSpans.get(event) : undefined;
      if (published !== undefined && isSpanContextValid(published)) links.push(published);
    }
    return { isChildTrace: true, parent: 'active', kind: SpanKind.INTERNAL, links };
  }

  private defaultShape(): EventHandlerTraceShape {
    return (this.tracing as ResolvedTracingOptions).eventHandlerTrace;
  }

  /** `@TraceAttribute()` fields of the message, redacted by the shared policy. */
  private recordMarkedFields(span: CqrsSpan, message: unknown): void {
    const fields = this.policy.traceAttributes(message);
    for (let i = 0; i < fields.length; i++) {
      const field = fields[i]!;
      span.setAttribute(field[0], field[1]);
    }
  }

  private planFor(operation: string, attributes: OperationAttributes): SpanPlan {
    let plan = this.plans.get(operation);
    if (plan === undefined) {
      plan = makePlan(operation, attributes);
      // Operation names come from class names; the bound only guards against misuse.
      if (this.plans.size >= MAX_PLANS) this.plans.clear();
      this.plans.set(operation, plan);
    }
    return plan;
  }
}

function makePlan(operation: string, attributes: OperationAttributes): SpanPlan {
  let role = COMMAND;
  let kind: MessageKind = 'command';
  let suffix = operation;
  for (const [prefix, prefixRole, prefixKind] of PREFIXES) {
    if (operation.startsWith(prefix)) {
      role = prefixRole;
      kind = prefixKind;
      suffix = operation.slice(prefix.length);
      break;
    }
  }
  const type = stringOr(role === SAGA ? attributes.handler : attributes.message_type, suffix);
  let name: string;
  switch (role) {
    case DISPATCH:
      name = SpanNames.eventDispatch(type);
      break;
    case HANDLER:
      name =
        typeof attributes.handler === 'string'
          ? SpanNames.eventHandler(type, attributes.handler)
          : operation;
      break;
    case SAGA:
      name = SpanNames.sagaRun(type);
      break;
    default:
      name = SpanNames.message(type);
  }
  return {
    role,
    kind,
    name,
    type,
    operationType: role === DISPATCH ? MessagingOperationType.SEND : MessagingOperationType.PROCESS,
  };
}

function stringOr(value: unknown, fallback: string): string {
  return typeof value === 'string' && value !== '' ? value : fallback;
}
