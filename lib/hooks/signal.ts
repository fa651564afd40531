import type { OperationFrame } from './operation-frame';

/**
 * A built-in signal that runs around the rest of the chain (tracing: the span is active while
 * it runs). It continues the chain with `frame.proceed()`, which hands back the raw result —
 * a plain value stays plain, a synchronous throw stays synchronous — and no closure is made.
 */
export interface AroundSignal {
  around(frame: OperationFrame): unknown;
}

/**
 * A built-in signal that only looks at the operation as the chain reaches it — and, through
 * `frame.watch()`, at how the rest of the chain ends (metrics, logs, Sentry). It adds no
 * stack frame to the dispatch. What `start` throws is handed to `report`, never to the caller.
 */
export interface WatchingSignal {
  start(frame: OperationFrame): void;
  report(failure: unknown): void;
}

/** How the module's own signals join the registry (`HookRegistry.registerSignal`). */
export type Signal = AroundSignal | WatchingSignal;
