import { Injectable } from '@nestjs/common';
import {
  CqrsInterceptor,
  CqrsOperationContext,
  HookRegistration,
  HookRegistrationOptions,
  InstrumentationHook,
  OperationAttributes,
} from './hook.types';
import { Pipeline } from './pipeline';
import { Registration } from './registration';

const MAX_CACHED_OPERATIONS = 2048;

/**
 * The registry every hook and interceptor — built-in signals included — is registered in.
 * Matching hooks run as one pipeline around an operation, lowest priority outermost.
 */
@Injectable()
export class HookRegistry {
  private registrations: Registration[] = [];
  private readonly byOperation = new Map<string, readonly Registration[]>();
  private sequence = 0;

  register(
    hook: InstrumentationHook | CqrsInterceptor,
    options: HookRegistrationOptions = {},
  ): HookRegistration {
    validateRegistration(hook, options);
    const registration = new Registration(hook, this.sequence++, options, (r) => this.remove(r));
    this.registrations = [...this.registrations, registration].sort(
      (a, b) => a.priority - b.priority || a.sequence - b.sequence,
    );
    this.byOperation.clear();
    return registration;
  }

  /** Runs the hooks matching `operation` around `next`. With none, `next()` is called once. */
  executeAll(
    operation: string,
    attributes: OperationAttributes,
    next: () => Promise<unknown> | unknown,
  ): Promise<unknown> {
    try {
      return Promise.resolve(this.run({ operation, attributes }, next));
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /**
   * Removes every hook and interceptor registered through `register()`. The module's built-in
   * signals (and framework hooks) stay: clearing an app's hooks must not switch its tracing,
   * metrics, logs or Sentry off.
   */
  clear(): void {
    this.registrations = this.registrations.filter((registration) => registration.rawNext);
    this.byOperation.clear();
  }

  /** True while nothing is registered: the buses then skip the pipeline entirely. */
  get isEmpty(): boolean {
    return this.registrations.length === 0;
  }

  /** Whether any registration could match `operation` (filters on the call aside). */
  hasHooksFor(operation: string): boolean {
    return this.candidatesFor(operation).length > 0;
  }

  /**
   * Runs the pipeline keeping the operation's own return shape: with no hook the result of
   * `inner()` comes back as is, and a synchronous throw of `inner()` stays synchronous.
   */
  run(context: CqrsOperationContext, inner: () => unknown): unknown {
    const candidates = this.candidatesFor(context.operation);
    if (candidates.length === 0) return inner();
    return new Pipeline(candidates, context, inner).start();
  }

  private candidatesFor(operation: string): readonly Registration[] {
    let candidates = this.byOperation.get(operation);
    if (candidates === undefined) {
      candidates = this.registrations.filter((r) => r.matchesOperation(operation));
      // Operation names come from class names, but executeAll() is public: keep the cache bounded.
      if (this.byOperation.size >= MAX_CACHED_OPERATIONS) this.byOperation.clear();
      this.byOperation.set(operation, candidates);
    }
    return candidates;
  }

  private remove(registration: Registration): void {
    if (!this.registrations.includes(registration)) return;
    this.registrations = this.registrations.filter((r) => r !== registration);
    this.byOperation.clear();
  }
}

const REGISTRATION_OPTIONS: readonly (keyof HookRegistrationOptions)[] = [
  'operations',
  'priority',
  'predicate',
  'messageTypes',
  'enabled',
];

function validateRegistration(
  hook: InstrumentationHook | CqrsInterceptor,
  options: HookRegistrationOptions,
): void {
  const isHook =
    typeof hook === 'function' ||
    (hook !== null && typeof hook === 'object' && typeof hook.intercept === 'function');
  if (!isHook) {
    throw new TypeError(
      'HookRegistry.register(hook): hook must be a function (operation, attributes, next) or an object with intercept(context, next)',
    );
  }
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw new TypeError('HookRegistry.register(hook, options): "options" must be an object');
  }
  for (const key of Object.keys(options)) {
    // A misspelt filter (`operation`) would otherwise leave the hook running on everything.
    if (!(REGISTRATION_OPTIONS as readonly string[]).includes(key)) {
      throw new TypeError(
        `HookRegistry.register(): unknown option "${key}" (known: ${REGISTRATION_OPTIONS.join(', ')})`,
      );
    }
  }
  const { operations, priority, predicate, messageTypes, enabled } = options;
  if (
    operations !== undefined &&
    (!Array.isArray(operations) || operations.some((p) => typeof p !== 'string' || p === ''))
  ) {
    throw new TypeError(
      'HookRegistry.register(): "operations" must be an array of non-empty strings',
    );
  }
  if (priority !== undefined && (typeof priority !== 'number' || !Number.isFinite(priority))) {
    throw new TypeError('HookRegistry.register(): "priority" must be a finite number');
  }
  if (predicate !== undefined && typeof predicate !== 'function') {
    throw new TypeError('HookRegistry.register(): "predicate" must be a function');
  }
  if (
    messageTypes !== undefined &&
    (!Array.isArray(messageTypes) || messageTypes.some((t) => typeof t !== 'function'))
  ) {
    throw new TypeError('HookRegistry.register(): "messageTypes" must be an array of classes');
  }
  if (enabled !== undefined && typeof enabled !== 'boolean') {
    throw new TypeError('HookRegistry.register(): "enabled" must be a boolean');
  }
}
