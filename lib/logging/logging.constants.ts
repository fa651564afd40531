import { OperationOutcome } from '../hooks/operation-outcome';
import { LOGGER_CONTEXT } from '../errors/logger-context';

/**
 * Every name the logging signal writes: the fields of a CQRS log line and their values. The
 * README's log-line table and LogQL examples rely on these names.
 */

/** Fields of the line written for each command, query, event handler and dead saga. */
export const LogFields = {
  /** `command`, `query`, `event` or `saga`. */
  KIND: 'kind',
  /** The message's class name (the saga's for a saga stream error). */
  MESSAGE_TYPE: 'message_type',
  /** `success` or `error` (`unhandled` for an event nobody handles). */
  OUTCOME: 'outcome',
  /** Milliseconds, two decimals. */
  DURATION_MS: 'duration_ms',
  CORRELATION_ID: 'correlation_id',
  CAUSATION_ID: 'causation_id',
  MESSAGE_ID: 'message_id',
  /** Class name of the handler (or saga). */
  HANDLER: 'handler',
  /** Of the active OpenTelemetry span, when there is a valid one. */
  TRACE_ID: 'trace_id',
  SPAN_ID: 'span_id',
  /** On failure: `{ type, message, stack }`, pino's error shape. */
  ERR: 'err',
  /** The redacted message, only with `logging.payload: true`. */
  PAYLOAD: 'payload',
} as const;

/** Values of `outcome`: the operation's outcome, and `unhandled` for an event no handler took. */
export const LogOutcome = {
  ...OperationOutcome,
  /** An event published with no event handler and taken by no saga (at debug). */
  UNHANDLED: 'unhandled',
} as const;

/** Keys of the error object under `err`, as pino's standard error serializer names them. */
export const LogErrorFields = {
  TYPE: 'type',
  MESSAGE: 'message',
  STACK: 'stack',
} as const;

/** Fields the pino mixin from `cqrsLogMixin()` adds to every line of the application. */
export const MixinFields = {
  CORRELATION_ID: LogFields.CORRELATION_ID,
  CAUSATION_ID: LogFields.CAUSATION_ID,
  TRACE_ID: LogFields.TRACE_ID,
} as const;

/** Nest Logger context of the lines when nestjs-pino is absent. */
export const LOG_CONTEXT = LOGGER_CONTEXT;

/** Source name of logging failures given to the failure reporter. */
export const LOGGING_FAILURE_SOURCE = 'CQRS logging';

/** Levels the signal writes at. */
export type CqrsLogLevel = 'debug' | 'info' | 'warn' | 'error';

/** `err` of a failed operation's line. */
export interface CqrsLogError {
  [LogErrorFields.TYPE]: string;
  [LogErrorFields.MESSAGE]: string;
  [LogErrorFields.STACK]?: string;
}

/** One CQRS log line's fields. Keys left `undefined` are not written. */
export interface CqrsLogLine {
  [LogFields.KIND]: string | undefined;
  [LogFields.MESSAGE_TYPE]: string | undefined;
  [LogFields.OUTCOME]: (typeof LogOutcome)[keyof typeof LogOutcome];
  [LogFields.DURATION_MS]: number | undefined;
  [LogFields.CORRELATION_ID]: string | undefined;
  [LogFields.CAUSATION_ID]: string | undefined;
  [LogFields.MESSAGE_ID]: string | undefined;
  [LogFields.HANDLER]: string | undefined;
  [LogFields.TRACE_ID]: string | undefined;
  [LogFields.SPAN_ID]: string | undefined;
  [LogFields.ERR]: CqrsLogError | undefined;
  [LogFields.PAYLOAD]: unknown;
}
