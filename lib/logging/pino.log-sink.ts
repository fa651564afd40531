import type { CqrsLogLevel, CqrsLogLine } from './logging.constants';
import type { LogSink } from './log-sink.interface';

/** The pino logger methods the sink uses. */
export interface PinoLike {
  isLevelEnabled(level: string): boolean;
  debug(fields: object, message: string): void;
  info(fields: object, message: string): void;
  warn(fields: object, message: string): void;
  error(fields: object, message: string): void;
}

/**
 * nestjs-pino's `PinoLogger`: its `logger` is the current request's child logger (carrying the
 * request's bindings, such as its id) inside an HTTP request, the root logger outside.
 */
export interface PinoLoggerLike {
  readonly logger: PinoLike;
}

/** Writes each line as the fields of one pino call, to the logger of the current context. */
export class PinoLogSink implements LogSink {
  constructor(private readonly pinoLogger: PinoLoggerLike) {}

  isLevelEnabled(level: CqrsLogLevel): boolean {
    return this.pinoLogger.logger.isLevelEnabled(level);
  }

  write(level: CqrsLogLevel, line: CqrsLogLine, message: string): void {
    this.pinoLogger.logger[level](line, message);
  }
}

/** Whether a resolved provider looks like nestjs-pino's `PinoLogger`. */
export function isPinoLoggerLike(value: unknown): value is PinoLoggerLike {
  if (value === null || typeof value !== 'object') return false;
  const logger = (value as { logger?: unknown }).logger as Partial<PinoLike> | undefined;
  return (
    logger !== null &&
    typeof logger === 'object' &&
    typeof logger.isLevelEnabled === 'function' &&
    typeof logger.info === 'function'
  );
}
