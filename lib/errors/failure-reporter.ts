import { Logger } from '@nestjs/common';
import { LOGGER_CONTEXT } from './logger-context';
import { describeError } from './describe-error';

const REPORT_INTERVAL_MS = 60_000;
const MAX_TRACKED_SOURCES = 256;

/**
 * Reports a failure of the observability machinery itself (an exporter, a registry, a logger
 * stream, a user's attribute provider) without ever throwing: at most one line per source a
 * minute, with a count of the reports it held back. The map of sources is bounded.
 */
export class FailureReporter {
  private readonly lastReport = new Map<string, { at: number; suppressed: number }>();

  constructor(private readonly logger: Pick<Logger, 'warn'> = new Logger(LOGGER_CONTEXT)) {}

  report(source: string, error: unknown): void {
    try {
      const now = Date.now();
      const last = this.lastReport.get(source);
      if (last && now - last.at < REPORT_INTERVAL_MS) {
        last.suppressed++;
        return;
      }
      if (!last && this.lastReport.size >= MAX_TRACKED_SOURCES) this.lastReport.clear();
      const suppressed = last?.suppressed ?? 0;
      this.lastReport.set(source, { at: now, suppressed: 0 });
      const held = suppressed > 0 ? ` (${suppressed} similar failures held back)` : '';
      this.logger.warn(`${source} failed: ${describeError(error)}${held}`);
    } catch {
      // Reporting is best effort: a broken logger must not turn into a dispatch failure.
    }
  }
}
