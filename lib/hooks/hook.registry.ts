import { Injectable } from '@nestjs/common';
import {
  CqrsInterceptor,
  HookRegistration,
  HookRegistrationOptions,
  InstrumentationHook,
  OperationAttributes,
} from './hook.types';
import { classOf, descriptorOfOperation, type OperationDescriptor } from './operation-descriptor';
import { OperationFrame } from './operation-frame';
import { Registration } from './registration';
import type { Signal } from './signal';

const MAX_CACHED_OPERATIONS = 2048;
const NO_LINKS: readonly Registration[] = Object.freeze([]);

/**
 * The registry every hook and interceptor — built-in signals included — is registered in.
 * Matching hooks run as one pipeline around an operation, lowest priority outermost.
 */
@Injectable()
export class HookRegistry {
  private registrations: Registration[] = [];
  private readonly byOperation = new Map<string, readonly Registration[]>();
  private sequence = 0;
  // Bumped by every change: descriptors cache their chain per registry and version.
  private version = 0;

  register(
    hook: InstrumentationHook | CqrsInterceptor,
    options: HookRegistrationOptions = {},
  ): HookRegistration {
    validateRegistration(hook, options);
    return this.add(hook, options, false);
  }

  /**
   * Registers one of the module's own signals. It sees the operation's frame, continues the
   * chain with `frame.proceed()` (or only watches it), and `clear()` keeps it.
   */
  registerSignal(
    signal: Signal,
    options: Pick<HookRegistrationOptions, 'operations' | 'priority'>,
  ): HookRegistration {
    validateOptions(options, ['operations', 'priority']);
    return this.add(signal, options, true);
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
    this.registrations = this.registrations.filter((registration) => registration.builtIn);
    this.changed();
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
  run(
    context: { readonly operation: string; readonly attributes: OperationAttributes },
    inner: () => unknown,
  ): unknown {
    const { operation, attributes } = context;
    const links = this.candidatesFor(operation);
    if (links.length === 0) return inner();
    const descriptor = descriptorOfOperation(operation, attributes);
    const frame = new OperationFrame(
      descriptor,
      attributes,
      undefined,
      classOf(attributes.message),
      links,
      undefined,
      inner,
      undefined,
      undefined,
    );
    return frame.proceed();
  }

  /** The registrations matching a described operation, cached on the descriptor. */
  chainFor(descriptor: OperationDescriptor): readonly Registration[] {
    const cached = descriptor.chain;
    if (cached !== undefined && cached.owner === this && cached.version === this.version) {
      return cached.links as readonly Registration[];
    }
    const links = this.candidatesFor(descriptor.operation);
    descriptor.chain = { owner: this, version: this.version, links };
    return links;
  }

  private add(
    target: InstrumentationHook | CqrsInterceptor | Signal,
    options: HookRegistrationOptions,
    builtIn: boolean,
  ): Registration {
    const registration = new Registration(target, this.sequence++, options, builtIn, (r) =>
      this.remove(r),
    );
    this.registrations = [...this.registrations, registration].sort(
      (a, b) => a.priority - b.priority || a.sequence - b.sequence,
    );
    this.changed();
    return registration;
  }

  private candidatesFor(operation: string): readonly Registration[] {
    let candidates = this.byOperation.get(operation);
    if (candidates === undefined) {
      candidates = this.registrations.filter((r) => r.matchesOperation(operation));
      if (candidates.length === 0) candidates = NO_LINKS;
      // Operation names come from class names, but executeAll() is public: keep the cache bounded.
      if (this.byOperation.size >= MAX_CACHED_OPERATIONS) this.byOperation.clear();
      this.byOperation.set(operation, candidates);
    }
    return candidates;
  }

  private changed(): void {
    this.byOperation.clear();
    this.version++;
  }

  private remove(registration: Registration): void {
    if (!this.registrations.includes(registration)) return;
    this.registrations = this.registrations.filter((r) => r !== registration);
    this.changed();
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
  validateOptions(options, REGISTRATION_OPTIONS);
}

function validateOptions(
  options: HookRegistrationOptions,
  known: readonly (keyof HookRegistrationOptions)[],
): void {
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw new TypeError('HookRegistry.register(hook, options): "options" must be an object');
  }
  for (const key of Object.keys(options)) {
    // A misspelt filter (`operation`) would otherwise leave the hook running on everything.
    if (!(known as readonly string[]).includes(key)) {
      throw new TypeError(
        `HookRegistry.register(): unknown option "${key}" (known: ${known.join(', ')})`,
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
