import { Injectable, Logger } from '@nestjs/common';
import type { CqrsInterceptor, CqrsOperationContext, HookNext } from 'nestjs-cqrs-observability';

/**
 * A class-based interceptor listed in the module's `interceptors`: resolved through DI, run in
 * the same pipeline as the library's signals. Writes one audit line per command — who asked
 * for what, and how it ended — through the app's logger (pino, so the line carries the
 * correlation id too).
 */
@Injectable()
export class AuditInterceptor implements CqrsInterceptor {
  readonly operations = ['command.execute.*'];
  private readonly logger = new Logger('Audit');

  async intercept(context: CqrsOperationContext, next: HookNext): Promise<unknown> {
    const { message_type: command, message_id: messageId, message } = context.attributes;
    // An audit trail must name the actor; it is the app's own log. Spans, Sentry and the
    // library's log payloads get the hashed value instead (`redaction.hashFields`).
    const requestedBy = (message as { requestedBy?: string } | undefined)?.requestedBy;
    const audit = { audit: true, command, message_id: messageId, requested_by: requestedBy };
    // `succeeded`, not `outcome`: the library's own line already says `outcome: "error"`, and
    // a second one per failure would double every LogQL error count.
    try {
      const result = await next();
      this.logger.log({ ...audit, succeeded: true }, `audit ${command}`);
      return result;
    } catch (error) {
      this.logger.warn({ ...audit, succeeded: false }, `audit ${command}`);
      // Rethrown unchanged: an interceptor observes, it never alters the outcome.
      throw error;
    }
  }
}
