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
  /** @default new OpenTelemetrySpanFactory() */
  spanFactory?: SpanFactory;
  /** Where a failing span factory is reported. @default a rate-limited Nest warning */
  failureReporter?: FailureSink;
  /**
   * The redaction policy the spans go through (attribute values, errors); pass the module's
   * injectable `RedactionPolicy` to share your options. @default new RedactionPolicy()
   */
  redaction?: RedactionPolicy;
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
  const hook = new ObservabilityInstrumentationHook({
    spanFactory: options.spanFactory,
    failureReporter: options.failureReporter,
    redaction: options.redaction,
  });
  // As a signal: it sees the frame (and the span tracing made), keeps a handler's synchronous
  // throw synchronous as the built-in signals do, and clear() keeps it.
  return registry.registerSignal(hook, {
    operations: options.operations ?? DEFAULT_FRAMEWORK_TRACE_OPERATIONS,
    priority: options.priority ?? DEFAULT_FRAMEWORK_HOOK_PRIORITY,
  });
}
