import type { HookRegistry } from '../../hooks/hook.registry';
import type { HookRegistration } from '../../hooks/hook.types';
import type { RedactionPolicy } from '../../redaction/redaction.policy';
import type { FailureSink } from '../attribute-providers/attribute-providers.runner';
import { ObservabilityInstrumentationHook } from './observability-instrumentation.hook';
import type { SpanFactory } from '../span-factories/span-factory.interface';
import {
  DEFAULT_FRAMEWORK_HOOK_PRIORITY,
  DEFAULT_FRAMEWORK_TRACE_OPERATIONS,
} from '../tracing.constants';

export interface FrameworkHooksOptions {
  /** fnmatch patterns of the operations to span. @default DEFAULT_FRAMEWORK_TRACE_OPERATIONS */
  operations?: readonly string[];
  /** Pipeline priority; lower runs first (outer). @default -100 */
  priority?: number;
  /**
   * @default the module's span factory (`tracing.spanFactory`, else OpenTelemetry's, with the
   * module's attribute providers); a new `OpenTelemetrySpanFactory` when tracing is off
   */
  spanFactory?: SpanFactory;
  /** Where a failing span factory is reported. @default a rate-limited Nest warning */
  failureReporter?: FailureSink;
  /**
   * The redaction policy the spans go through (attribute values, errors).
   * @default the module's (your `redaction` options); the default rules when tracing is off
   */
  redaction?: RedactionPolicy;
}

interface ModuleTracing {
  readonly spanFactory: SpanFactory;
  readonly redaction: RedactionPolicy;
}

// Per registry, so per app: what the module's tracing signal uses, for the hooks to share.
const moduleTracing = new WeakMap<HookRegistry, ModuleTracing>();

/** Lets framework hooks installed on `registry` span as the module's tracing does. */
export function shareTracingWithFrameworkHooks(
  registry: HookRegistry,
  spanFactory: SpanFactory,
  redaction: RedactionPolicy,
): void {
  moduleTracing.set(registry, { spanFactory, redaction });
}

/**
 * Registers `ObservabilityInstrumentationHook` — a generic span per operation — in the
 * registry for `operations` (`DEFAULT_FRAMEWORK_TRACE_OPERATIONS` unless given). Call it
 * once at startup with the module's `HookRegistry`, for example from `onModuleInit` of your
 * AppModule; the returned registration can disable or remove it.
 *
 * ```ts
 * export class AppModule implements OnModuleInit {
 *   constructor(private readonly hooks: HookRegistry) {}
 *   onModuleInit() {
 *     installFrameworkHooks(this.hooks); // or { operations: ['*'] } for a diagnostics session
 *   }
 * }
 * ```
 */
export function installFrameworkHooks(
  registry: HookRegistry,
  options: FrameworkHooksOptions = {},
): HookRegistration {
  const shared = moduleTracing.get(registry);
  const hook = new ObservabilityInstrumentationHook({
    spanFactory: options.spanFactory ?? shared?.spanFactory,
    failureReporter: options.failureReporter,
    redaction: options.redaction ?? shared?.redaction,
  });
  // As a signal: it sees the frame (and the span tracing made), keeps a handler's synchronous
  // throw synchronous as the built-in signals do, and clear() keeps it.
  return registry.registerSignal(hook, {
    operations: options.operations ?? DEFAULT_FRAMEWORK_TRACE_OPERATIONS,
    priority: options.priority ?? DEFAULT_FRAMEWORK_HOOK_PRIORITY,
  });
}
