import type { LoggerService, ModuleMetadata } from '@nestjs/common';
import { CqrsModule } from '@nestjs/cqrs';
import { Test, type TestingModule } from '@nestjs/testing';
import { CqrsObservabilityModule, type CqrsObservabilityModuleOptions } from '../../lib';
import { ORDER_HANDLERS } from '../fixtures/orders.fixture';

/** The other signals off, so a metrics test reads only what the metrics signal does. */
export const METRICS_ONLY: CqrsObservabilityModuleOptions = {
  tracing: false,
  logging: false,
  sentry: false,
};

/** A Nest logger that keeps what it is given, for assertions on startup and failure lines. */
export class CapturingLogger implements LoggerService {
  readonly lines: Array<{ level: string; message: string; context?: unknown }> = [];

  log(message: unknown, ...rest: unknown[]): void {
    this.push('log', message, rest);
  }
  error(message: unknown, ...rest: unknown[]): void {
    this.push('error', message, rest);
  }
  warn(message: unknown, ...rest: unknown[]): void {
    this.push('warn', message, rest);
  }
  debug(message: unknown, ...rest: unknown[]): void {
    this.push('debug', message, rest);
  }
  verbose(message: unknown, ...rest: unknown[]): void {
    this.push('verbose', message, rest);
  }

  /** Messages at `level` that contain `text`. */
  matching(level: string, text: string): string[] {
    return this.lines
      .filter((line) => line.level === level && line.message.includes(text))
      .map((line) => line.message);
  }

  private push(level: string, message: unknown, rest: unknown[]): void {
    this.lines.push({ level, message: String(message), context: rest[rest.length - 1] });
  }
}

/**
 * Like `createTestApp`, with a logger set before the module initialises, so startup lines
 * (and the failure reporter's warnings) are captured.
 */
export async function createLoggedTestApp(
  observability: CqrsObservabilityModuleOptions,
  logger: LoggerService,
  imports: ModuleMetadata['imports'] = [],
): Promise<TestingModule> {
  const moduleRef = await Test.createTestingModule({
    imports: [CqrsModule.forRoot(), CqrsObservabilityModule.forRoot(observability), ...imports],
    providers: [...ORDER_HANDLERS],
  })
    .setLogger(logger)
    .compile();
  await moduleRef.init();
  return moduleRef;
}
