import type { FlowOperation } from './tracked-flow';

/**
 * `trackFlow()` gave up: the flow did not finish in time (or grew past `maxOperations`).
 * `running` lists the operations still running; `operations` everything seen so far.
 */
export class FlowTrackingError extends Error {
  override readonly name = 'FlowTrackingError';

  constructor(
    reason: string,
    readonly running: readonly FlowOperation[],
    readonly operations: readonly FlowOperation[],
    nowMs: number,
  ) {
    super(`${reason}; ${describeRunning(running, nowMs)}`);
  }
}

function describeRunning(running: readonly FlowOperation[], nowMs: number): string {
  if (running.length === 0) return 'no operation of the flow is running';
  const shown = running
    .slice(0, 20)
    .map(
      (op) =>
        `${op.operation} (message ${op.messageId ?? '?'}, running for ${Math.round(nowMs - op.startedAtMs)}ms)`,
    );
  const more = running.length > shown.length ? `, and ${running.length - shown.length} more` : '';
  return `still running: ${shown.join(', ')}${more}`;
}
