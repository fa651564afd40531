import { Logger, type LogLevel } from '@nestjs/common';
import type { CqrsLogLevel, CqrsLogLine } from './logging.constants';
import type { LogSink } from './log-sink.interface';

const NEST_LEVELS = {
  debug: 'debug',
  info: 'log',
  warn: 'warn',
  error: 'error',
} as const satisfies Record<CqrsLogLevel, LogLevel>;

/**
 * Without nestjs-pino: each line through Nest's `Logger` as one JSON string (`msg` first, then
 * the fields), so a log shipper can still parse it.
 */
export class NestLogSink implements LogSink {
  constructor(private readonly logger: Logger) {}

  isLevelEnabled(level: CqrsLogLevel): boolean {
    // Nest only knows the levels when the app set them (`logger: [...]`, `useLogger([...])`);
    // otherwise the logger in use filters on its own.
    const levels = (Logger as unknown as { logLevels?: LogLevel[] }).logLevels;
    return levels === undefined || Logger.isLevelEnabled(NEST_LEVELS[level]);
  }

  write(level: CqrsLogLevel, line: CqrsLogLine, message: string): void {
    // `line` always holds `outcome`, so its JSON is never `{}`.
    const json = `{"msg":${JSON.stringify(message)},${JSON.stringify(line).slice(1)}`;
    this.logger[NEST_LEVELS[level]](json);
  }
}
