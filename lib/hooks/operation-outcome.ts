/**
 * How an operation ended: the one set of values behind `cqrs.outcome` on spans, the `outcome`
 * metric label and the `outcome` log field (each signal's constants file re-exports it under
 * the name its README table uses).
 */
export const OperationOutcome = {
  SUCCESS: 'success',
  ERROR: 'error',
} as const;

export type OperationOutcome = (typeof OperationOutcome)[keyof typeof OperationOutcome];
