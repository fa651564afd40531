import { failureOutcome } from '../hooks/operation-outcome';
import { AsyncLocalStorage } from 'node:async_hooks';
import { performance } from 'node:perf_hooks';
import type { INestApplicationContext } from '@nestjs/common';
import { HookRegistry } from '../hooks/hook.registry';
import type { HookNext, HookRegistration, OperationAttributes } from '../hooks/hook.types';
import { MESSAGE_OPERATIONS } from '../hooks/operations';
import { FlowTrackingError } from './flow-tracking.error';
import type {
  FlowOperation,
  FlowOperationOutcome,
  TrackedFlow,
  TrackFlowOptions,
} from './tracked-flow';

/** Outermost of all hooks, so a duration covers the whole pipeline of the operation. */
const TRACKER_PRIORITY = -1_000_000;
const TRACKED_OPERATIONS: readonly string[] = [
  ...MESSAGE_OPERATIONS,
  'saga.error.*',
  'unhandled_exception.*',
];

/** The trackers whose tracked function the current async context descends from. */
const activeTrackers = new AsyncLocalStorage<readonly FlowTracker<unknown>[]>();

type MutableOperation = { -readonly [K in keyof FlowOperation]: FlowOperation[K] };

/**
 * Runs `fn` — typically one dispatch — and resolves once everything it caused has finished:
 * the events it published, their handlers, the sagas and the commands they emitted,
 * recursively. An operation belongs to the flow when it starts inside `fn`'s async context,
 * when its causation id is the id of a message of the flow, or (with `correlationId`) when it
 * carries that correlation id. The flow is done when `fn` has settled, nothing of it runs and
 * nothing new started for `quietMs` (and `until`, when given, holds).
 *
 * Tracking registers one hook in the app's `HookRegistry` for the call and removes it after:
 * nothing runs when no flow is tracked. It never changes a result or an error: a failing
 * `fn` resolves the flow with `failed: true` and its `error`.
 *
 * ```ts
 * const flow = await trackFlow(app, () => commandBus.execute(new PlaceOrder({ sku: 'A' })));
 * expect(flow.names()).toContain('command.execute.ReserveStockCommand');
 * ```
 */
export function trackFlow<T>(
  app: Pick<INestApplicationContext, 'get'>,
  fn: () => T | PromiseLike<T>,
  options: TrackFlowOptions<Awaited<T>> = {},
): Promise<TrackedFlow<Awaited<T>>> {
  const resolved = resolveOptions(options);
  if (typeof fn !== 'function') {
    throw new TypeError('trackFlow(app, fn): fn must be a function that dispatches the flow');
  }
  const registry = app.get(HookRegistry);
  return new FlowTracker<Awaited<T>>(registry, resolved).run(fn as () => unknown);
}

type ResolvedOptions<T> = Required<Omit<TrackFlowOptions<T>, 'until' | 'correlationId'>> &
  Pick<TrackFlowOptions<T>, 'until' | 'correlationId'>;

function resolveOptions<T>(options: TrackFlowOptions<T>): ResolvedOptions<T> {
  if (options === null || typeof options !== 'object') {
    throw new TypeError('trackFlow(app, fn, options): options must be an object');
  }
  const { quietMs = 20, timeoutMs = 2000, maxOperations = 1000, until, correlationId } = options;
  const nonNegative = (name: string, value: unknown) => {
    if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
      throw new TypeError(`trackFlow(): "${name}" must be a finite number >= 0`);
    }
  };
  nonNegative('quietMs', quietMs);
  nonNegative('timeoutMs', timeoutMs);
  if (!Number.isInteger(maxOperations) || maxOperations < 1) {
    throw new TypeError('trackFlow(): "maxOperations" must be an integer >= 1');
  }
  if (until !== undefined && typeof until !== 'function') {
    throw new TypeError('trackFlow(): "until" must be a function (flow) => boolean');
  }
  if (correlationId !== undefined && (typeof correlationId !== 'string' || correlationId === '')) {
    throw new TypeError('trackFlow(): "correlationId" must be a non-empty string');
  }
  return { quietMs, timeoutMs, maxOperations, until, correlationId };
}

class FlowTracker<T> {
  private readonly startedAt = performance.now();
  private readonly operations: MutableOperation[] = [];
  private readonly messageIds = new Set<string>();
  private running = 0;
  private settled = false;
  private fnDone = false;
  private result: T | undefined;
  private failed = false;
  private error: unknown;
  private registration: HookRegistration | undefined;
  private quietTimer: NodeJS.Timeout | undefined;
  private timeoutTimer: NodeJS.Timeout | undefined;
  private resolve!: (flow: TrackedFlow<T>) => void;
  private reject!: (error: unknown) => void;

  constructor(
    private readonly registry: HookRegistry,
    private readonly options: ResolvedOptions<T>,
  ) {}

  run(fn: () => unknown): Promise<TrackedFlow<T>> {
    const done = new Promise<TrackedFlow<T>>((resolve, reject) => {
      this.resolve = resolve;
      this.reject = reject;
    });
    this.registration = this.registry.register(
      (operation, attributes, next) => this.observe(operation, attributes, next),
      { operations: TRACKED_OPERATIONS, priority: TRACKER_PRIORITY },
    );
    this.timeoutTimer = setTimeout(() => this.timedOut(), this.options.timeoutMs);
    const outer = activeTrackers.getStore() ?? [];
    let returned: unknown;
    try {
      returned = activeTrackers.run([...outer, this as FlowTracker<unknown>], fn);
    } catch (error) {
      returned = Promise.reject(error);
    }
    Promise.resolve(returned).then(
      (value) => this.fnSettled(false, value as T, undefined),
      (error: unknown) => this.fnSettled(true, undefined, error),
    );
    return done;
  }

  private observe(operation: string, attributes: OperationAttributes, next: HookNext): unknown {
    if (this.settled || !this.owns(attributes)) return next();
    if (this.operations.length >= this.options.maxOperations) {
      this.fail(
        `trackFlow: the flow grew past maxOperations (${this.options.maxOperations}) — a message loop?`,
      );
      return next();
    }
    const entry = this.open(operation, attributes);
    const pending = next();
    pending.then(
      () => this.close(entry, 'success', undefined),
      (error: unknown) => this.close(entry, failureOutcome(error), error),
    );
    return pending;
  }

  private owns(attributes: OperationAttributes): boolean {
    if (activeTrackers.getStore()?.includes(this as FlowTracker<unknown>)) return true;
    const causation = attributes.causation_id;
    if (typeof causation === 'string' && this.messageIds.has(causation)) return true;
    const correlationId = this.options.correlationId;
    return correlationId !== undefined && attributes.correlation_id === correlationId;
  }

  private open(operation: string, a: OperationAttributes): MutableOperation {
    const entry: MutableOperation = {
      operation,
      kind: a.kind,
      messageType: a.message_type,
      handler: a.handler,
      messageId: a.message_id,
      correlationId: a.correlation_id,
      causationId: a.causation_id,
      message: a.message,
      outcome: 'running',
      error: undefined,
      startedAtMs: performance.now() - this.startedAt,
      durationMs: undefined,
    };
    this.operations.push(entry);
    if (typeof a.message_id === 'string') this.messageIds.add(a.message_id);
    this.running++;
    this.clearQuiet();
    return entry;
  }

  private close(entry: MutableOperation, outcome: FlowOperationOutcome, error: unknown): void {
    entry.outcome = outcome;
    entry.error = error;
    entry.durationMs = performance.now() - this.startedAt - entry.startedAtMs;
    this.running--;
    this.check();
  }

  private fnSettled(failed: boolean, result: T | undefined, error: unknown): void {
    this.fnDone = true;
    this.failed = failed;
    this.result = result;
    this.error = error;
    this.check();
  }

  /** Starts the quiet period once the flow looks finished. */
  private check(): void {
    if (this.settled || !this.fnDone || this.running > 0) return;
    const until = this.options.until;
    if (until !== undefined) {
      let holds: boolean;
      try {
        holds = until(this.view()) === true;
      } catch (error) {
        this.finish();
        this.reject(error);
        return;
      }
      if (!holds) return;
    }
    this.clearQuiet();
    this.quietTimer = setTimeout(() => {
      if (this.running === 0) {
        this.finish();
        this.resolve(this.view());
      }
    }, this.options.quietMs);
  }

  private timedOut(): void {
    const waiting =
      this.fnDone && this.running === 0 && this.options.until !== undefined
        ? ' (until() never held)'
        : '';
    this.fail(`trackFlow: the flow did not finish within ${this.options.timeoutMs}ms${waiting}`);
  }

  private fail(reason: string): void {
    if (this.settled) return;
    const now = performance.now() - this.startedAt;
    const operations = this.snapshot();
    this.finish();
    this.reject(
      new FlowTrackingError(
        reason,
        operations.filter((op) => op.outcome === 'running'),
        operations,
        now,
      ),
    );
  }

  private finish(): void {
    this.settled = true;
    this.clearQuiet();
    clearTimeout(this.timeoutTimer);
    this.registration?.unregister();
  }

  private clearQuiet(): void {
    if (this.quietTimer !== undefined) {
      clearTimeout(this.quietTimer);
      this.quietTimer = undefined;
    }
  }

  private snapshot(): FlowOperation[] {
    return this.operations.map((op) => Object.freeze({ ...op }));
  }

  private view(): TrackedFlow<T> {
    const operations = Object.freeze(this.snapshot());
    return Object.freeze({
      operations,
      result: this.result,
      failed: this.failed,
      error: this.error,
      errors: Object.freeze(
        operations.filter((op) => op.outcome === 'error' || op.outcome === 'unhandled'),
      ),
      named: (prefix: string) => operations.filter((op) => op.operation.startsWith(prefix)),
      names: () => operations.map((op) => op.operation),
    });
  }
}
