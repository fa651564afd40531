import { CommandHandlerNotFoundException, QueryHandlerNotFoundException } from '@nestjs/cqrs';

/**
 * How an operation ended: the one set of values behind `cqrs.outcome` on spans, the `outcome`
 * metric label and the `outcome` log field (each signal's constants file re-exports it under
 * the name its README table uses). `unhandled` is a command or query no handler is registered
 * for (and, in logs, an event nobody handles): a wiring fault, not a handler's failure.
 */
export const OperationOutcome = {
  SUCCESS: 'success',
  ERROR: 'error',
  UNHANDLED: 'unhandled',
} as const;

export type OperationOutcome = (typeof OperationOutcome)[keyof typeof OperationOutcome];

/** The outcome of an operation that threw or rejected with `error`. */
export function failureOutcome(error: unknown): 'error' | 'unhandled' {
  return error instanceof CommandHandlerNotFoundException ||
    error instanceof QueryHandlerNotFoundException
    ? OperationOutcome.UNHANDLED
    : OperationOutcome.ERROR;
}
