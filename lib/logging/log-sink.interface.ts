import type { CqrsLogLevel, CqrsLogLine } from './logging.constants';

/** Where the CQRS log lines go: nestjs-pino's logger, or Nest's Logger without it. */
export interface LogSink {
  /** Whether a line at `level` would be written in the current context. */
  isLevelEnabled(level: CqrsLogLevel): boolean;
  write(level: CqrsLogLevel, line: CqrsLogLine, message: string): void;
}
