import type { MessageKind } from '../hooks/hook.types';

/** How a tracked operation ended, or that it has not yet. */
export type FlowOperationOutcome = 'running' | 'success' | 'error' | 'unhandled';

/** One operation of a tracked flow, as the `HookRegistry` saw it. */
export interface FlowOperation {
  /** Operation name, e.g. `command.execute.PlaceOrderCommand`. */
  readonly operation: string;
  readonly kind: MessageKind | undefined;
  readonly messageType: string | undefined;
  readonly handler: string | undefined;
  readonly messageId: string | undefined;
  readonly correlationId: string | undefined;
  readonly causationId: string | undefined;
  /** The message object (the emitted command for a saga step). */
  readonly message: unknown;
  readonly outcome: FlowOperationOutcome;
  /** What the operation threw or rejected with, for `outcome: 'error'` or `'unhandled'`. */
  readonly error: unknown;
  /** Milliseconds from the start of tracking to the operation's start. */
  readonly startedAtMs: number;
  /** Milliseconds the operation took; undefined while it runs. */
  readonly durationMs: number | undefined;
}

/** What `trackFlow()` resolves with. */
export interface TrackedFlow<T> {
  /** Every operation of the flow, in the order they started. */
  readonly operations: readonly FlowOperation[];
  /** What the tracked function resolved with (undefined when it failed). */
  readonly result: T | undefined;
  /** Whether the tracked function threw or rejected; its error is `error`. */
  readonly failed: boolean;
  readonly error: unknown;
  /** The operations whose name starts with `prefix`, in order (`'command.execute.'`, …). */
  named(prefix: string): FlowOperation[];
  /** The operations that ended in an error, a missing handler included. */
  readonly errors: readonly FlowOperation[];
  /** Operation names in start order: handy for `toEqual([...])`. */
  names(): string[];
}

export interface TrackFlowOptions<T = unknown> {
  /**
   * The flow is done once nothing of it has run for this long after the last operation ended
   * (sagas with time operators hold events in between).
   * @default 20
   */
  quietMs?: number;
  /**
   * Give up after this long: `trackFlow` rejects with a `FlowTrackingError` listing what
   * still runs. Keep it under your test runner's timeout.
   * @default 2000
   */
  timeoutMs?: number;
  /**
   * Also wait until this holds (checked whenever an operation ends): for a saga that holds an
   * event longer than `quietMs`.
   */
  until?: (flow: TrackedFlow<T>) => boolean;
  /**
   * Also track every operation with this correlation id, wherever it starts — for a flow that
   * begins outside the tracked function, e.g. an HTTP request sent with `x-correlation-id`.
   */
  correlationId?: string;
  /**
   * Most operations a flow may have; more fails the tracking (a message loop, say).
   * @default 1000
   */
  maxOperations?: number;
}
