import { failureOutcome } from '../hooks/operation-outcome';
import { Inject, Injectable, OnModuleInit } from '@nestjs/common';
import { context, isSpanContextValid, SpanKind, trace, type SpanContext } from '@opentelemetry/api';
import { FAILURE_REPORTER, RESOLVED_OPTIONS } from '../shared/tokens';
import type { FailureReporter } from '../errors/failure-reporter';
import { HookRegistry } from '../hooks/hook.registry';
import type { MessageKind, OperationAttributes } from '../hooks/hook.types';
import {
  OperationAttributeKeys,
  OperationRole,
  type OperationDescriptor,
} from '../hooks/operation-descriptor';
import type { OperationFrame, OutcomeObserver } from '../hooks/operation-frame';
import { BuiltInPriority, MESSAGE_OPERATIONS } from '../hooks/operations';
import type { AroundSignal } from '../hooks/signal';
import { TelemetryPolicies } from '../hooks/telemetry-policies';
import type { ResolvedTelemetryPolicy } from '../hooks/telemetry-policy';
import { RedactionPolicy } from '../redaction/redaction.policy';
import type { CqrsSpan, SpanAttributes } from './span-factories/cqrs-span.interface';
import { shareTracingWithFrameworkHooks } from './framework-hooks/framework-hooks.installer';
import { OpenTelemetryCqrsSpan } from './span-factories/opentelemetry.span';
import { afterSpanFailure, afterSpanRun, runInSpan } from './span-factories/run-in-span';
import type { HandlerSpanOptions, SpanFactory } from './span-factories/span-factory.interface';
import {
  MESSAGING_SYSTEM,
  MessagingOperationType,
  Outcome,
  SpanNames,
  TracingAttributes,
} from './tracing.constants';
import { SPAN_FACTORY } from './tracing.internal-constants';
import type { EventHandlerTraceShape, ResolvedTracingOptions } from './tracing.options';

/** The part of the module's resolved options read here (the module provides all of them). */
type ModuleOptions = { readonly tracing: ResolvedTracingOptions | false };

/** What an operation's span looks like, worked out once per operation. */
interface SpanPlan {
  readonly role: OperationRole;
  readonly name: string;
  /**
   * The attributes every span of the operation starts with, shared and frozen: an unsampled
   * span costs no attribute object. Undefined for `saga.run` (the command type varies).
   */
  readonly attributes: Readonly<SpanAttributes> | undefined;
  readonly kind: MessageKind;
}

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
export class TracingInterceptor implements AroundSignal, OnModuleInit {
  readonly operations = MESSAGE_OPERATIONS;
  readonly priority = BuiltInPriority.tracing;
  private readonly tracing: ResolvedTracingOptions | false;
  // Per descriptor, so per class (and handler): bounded by the app's classes, and weak.
  private readonly plans = new WeakMap<OperationDescriptor, SpanPlan>();
  // The publish span of each event, for its handlers to attach to: beside the event, never on it.
  private readonly dispatchSpans = new WeakMap<object, SpanContext>();
  /** Ends the span of an operation however the operation ends. */
  private readonly spanOutcome: OutcomeObserver<CqrsSpan> = {
    report: (failure) => this.reporter.report(SOURCE, failure),
    onSuccess(span) {
      try {
        span.setAttribute(TracingAttributes.OUTCOME, Outcome.SUCCESS);
      } finally {
        span.end();
      }
    },
    onError: (span, error) => {
      try {
        span.setAttribute(TracingAttributes.OUTCOME, failureOutcome(error));
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
    // In the constructor: an app installs its framework hooks from its own onModuleInit.
    if (this.tracing !== false) shareTracingWithFrameworkHooks(registry, factory, policy);
  }

  onModuleInit(): void {
    if (this.tracing === false) return;
    this.registry.registerSignal(this, { operations: this.operations, priority: this.priority });
  }

  around(frame: OperationFrame): unknown {
    const span = this.openSpan(frame);
    // No span: what the operation dispatches nests under the span active around it.
    if (span === undefined) return frame.proceed();
    if (!(span instanceof OpenTelemetryCqrsSpan)) {
      return runInSpan(span, frame, this.spanOutcome, this.reporter, SOURCE);
    }
    // runInSpan's way for the default span, written out here: a dispatch nested in the handler
    // stacks this function once more, and runInSpan's frame not at all. An OpenTelemetry span
    // that does not record has nothing to end (the API's NonRecordingSpan, which the SDK hands
    // out for an unsampled span): nobody watches the outcome for it, so an untraced
    // operation's promise gets no `then` from tracing.
    const watched = span.isRecording();
    if (watched) frame.watch(this.spanOutcome, span);
    const step = frame.step;
    try {
      context.with(trace.setSpan(context.active(), span.span), frame.proceed, frame);
    } catch (failure) {
      return afterSpanFailure(span, frame, step, failure, this.reporter, SOURCE, watched);
    }
    return afterSpanRun(span, frame, step, this.reporter, SOURCE, watched);
  }

  /** The operation's span, or undefined when it has none (its policy, a failing factory). */
  private openSpan(frame: OperationFrame): CqrsSpan | undefined {
    const policy = this.telemetry.ofFrame(frame);
    if (!policy.tracing) return undefined;
    try {
      return this.startSpan(frame, policy);
    } catch (error) {
      this.reporter.report(SOURCE, error);
      return undefined;
    }
  }

  private startSpan(frame: OperationFrame, policy: ResolvedTelemetryPolicy): CqrsSpan {
    const a = frame.attributes;
    const plan = this.planFor(frame.descriptor, a);
    const message = a.message;
    const factory = this.factory;
    let span: CqrsSpan;
    switch (plan.role) {
      case OperationRole.DISPATCH:
        span = factory.createDispatchSpan(plan.name, plan.attributes, SpanKind.PRODUCER, a);
        break;
      case OperationRole.HANDLER:
        span = factory.createHandlerSpan(
          plan.name,
          plan.attributes,
          this.handlerPlacement(policy.trace ?? this.defaultShape(), frame),
          a,
        );
        break;
      case OperationRole.SAGA:
        span = this.startSagaSpan(plan, frame);
        break;
      default:
        span = factory.createHandlerSpan(plan.name, plan.attributes, COMMAND_SPAN, a);
    }
    // From here on the span exists: a failure below must not leave it open or untraced.
    try {
      frame.span = span;
      if (plan.role === OperationRole.DISPATCH && message !== null && typeof message === 'object') {
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
  private startSagaSpan(plan: SpanPlan, frame: OperationFrame): CqrsSpan {
    const source = frame.attributes;
    const name = plan.name;
    const attributes = sagaAttributes(frame);
    const event = frame.sagaTrigger;
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
  private handlerPlacement(
    shape: EventHandlerTraceShape,
    frame: OperationFrame,
  ): HandlerSpanOptions {
    const message = frame.attributes.message;
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

  private planFor(descriptor: OperationDescriptor, attributes: OperationAttributes): SpanPlan {
    let plan = this.plans.get(descriptor);
    if (plan === undefined) {
      // A command's handler is the app's, not the class's: the first dispatch names it.
      plan = makePlan(descriptor, stringOr(attributes.handler));
      this.plans.set(descriptor, plan);
    }
    return plan;
  }
}

function makePlan(descriptor: OperationDescriptor, handler: string | undefined): SpanPlan {
  const role = descriptor.role;
  const type = descriptor.messageType;
  let name: string;
  switch (role) {
    case OperationRole.DISPATCH:
      name = SpanNames.eventDispatch(type);
      break;
    case OperationRole.HANDLER:
      name =
        descriptor.handler === undefined
          ? descriptor.operation
          : SpanNames.eventHandler(type, descriptor.handler);
      break;
    case OperationRole.SAGA:
      name = SpanNames.sagaRun(type);
      break;
    default:
      name = SpanNames.message(type);
  }
  const kind: MessageKind = descriptor.kind ?? 'command';
  return {
    role,
    name,
    kind,
    attributes:
      role === OperationRole.SAGA
        ? undefined
        : Object.freeze(
            spanAttributes(
              kind,
              type,
              role === OperationRole.DISPATCH
                ? MessagingOperationType.SEND
                : MessagingOperationType.PROCESS,
              descriptor.handler ?? handler,
            ),
          ),
  };
}

/** The attributes a span starts with: who it is about, as the messaging conventions name it. */
function spanAttributes(
  kind: string,
  type: string,
  operationType: string,
  handler: string | undefined,
): SpanAttributes {
  const attributes: SpanAttributes = {
    [TracingAttributes.KIND]: kind,
    [TracingAttributes.MESSAGE_TYPE]: type,
    [TracingAttributes.COMMAND_TYPE]: type,
    [TracingAttributes.MESSAGING_SYSTEM]: MESSAGING_SYSTEM,
    [TracingAttributes.MESSAGING_OPERATION_TYPE]: operationType,
    [TracingAttributes.MESSAGING_DESTINATION_NAME]: type,
  };
  if (handler !== undefined) attributes[TracingAttributes.HANDLER] = handler;
  return attributes;
}

/** A saga emission's span is about the command it emitted, whose type varies per emission. */
function sagaAttributes(frame: OperationFrame): SpanAttributes {
  const a = frame.attributes;
  const command = a[OperationAttributeKeys.COMMAND_TYPE];
  const type =
    typeof command === 'string' && command !== '' ? command : frame.descriptor.messageType;
  return spanAttributes('saga', type, MessagingOperationType.PROCESS, frame.descriptor.handler);
}

function stringOr(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}
