import { Injectable } from '@nestjs/common';
import {
  CqrsInterceptor,
  CqrsOperationContext,
  HookNext,
  HookRegistration,
  HookRegistrationOptions,
  InstrumentationHook,
  OperationAttributes,
} from './hook.types';
import { compileOperationPatterns, OperationMatcher } from './operation-pattern';
import { classOf } from '../bus/message-type';
import { Pipeline } from './pipeline';

/**
 * Internal registration flag for the built-in interceptors: their `next()` hands back the
 * handler's own return value and lets a synchronous throw through, so the bus keeps
 * @nestjs/cqrs's synchronous errors. User hooks always get a Promise-returning `next()`.
 */
export const RAW_NEXT = Symbol('cqrs-observability.raw-next');

export interface InternalRegistrationOptions extends HookRegistrationOptions {
  [RAW_NEXT]?: boolean;
}

const MAX_CACHED_OPERATIONS = 2048;

/** One registered hook or interceptor with its filters. */
export class Registration implements HookRegistration {
  enabled: boolean;
  readonly operations: readonly string[];
  readonly priority: number;
  readonly rawNext: boolean;
  readonly matchesOperation: OperationMatcher;
  private readonly predicate: HookRegistrationOptions['predicate'];
  private readonly messageTypes: ReadonlySet<unknown> | undefined;

  constructor(
    readonly target: InstrumentationHook | CqrsInterceptor,
    readonly sequence: number,
    options: InternalRegistrationOptions,
    private readonly onUnregister: (registration: Registration) => void,
  ) {
    this.operations = Object.freeze([...(options.operations ?? ['*'])]);
    this.priority = options.priority ?? 0;
    this.enabled = options.enabled ?? true;
    this.predicate = options.predicate;
    this.messageTypes = options.messageTypes?.length ? new Set(options.messageTypes) : undefined;
    this.rawNext = options[RAW_NEXT] === true;
    this.matchesOperation = compileOperationPatterns(this.operations);
  }

  /** The filters that depend on the call: the flag, the message class and the predicate. */
  appliesTo(context: CqrsOperationContext): boolean {
    if (!this.enabled) return false;
    if (this.messageTypes !== undefined) {
      if (!this.messageTypes.has(classOf(context.attributes.message))) return false;
    }
    return this.predicate === undefined || this.predicate(context.operation, context.attributes);
  }

  invoke(context: CqrsOperationContext, next: HookNext): unknown {
    const target = this.target;
    return typeof target === 'function'
      ? target(context.operation, context.attributes, next)
      : target.intercept(context, next);
  }

  unregister(): void {
    this.onUnregister(this);
  }
}

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

  /** Removes every registration, built-in signals included. */
  clear(): void {
    this.registrations = [];
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
