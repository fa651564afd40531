import { Inject, Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { DiscoveryService, ModuleRef } from '@nestjs/core';
import { performance } from 'node:perf_hooks';
import { FAILURE_REPORTER, RESOLVED_OPTIONS } from '../shared/tokens';
import type { FailureReporter } from '../errors/failure-reporter';
import { HookRegistry } from '../hooks/hook.registry';
import type { OperationAttributes } from '../hooks/hook.types';
import type { OperationFrame, OutcomeObserver } from '../hooks/operation-frame';
import type { WatchingSignal } from '../hooks/signal';
import { BuiltInPriority } from '../hooks/operations';
import { loadOptionalPackage, reportUnavailable } from '../shared/optional-package';
import { RedactionPolicy } from '../redaction/redaction.policy';
import type { LogSink } from './log-sink.interface';
import { LogLineFactory, unhandledEventLine } from './log-line.factory';
import { LOG_CONTEXT, LOGGING_FAILURE_SOURCE } from './logging.constants';
import type { ResolvedLoggingOptions } from './logging.options';
import { NestLogSink } from './nest.log-sink';
import { isPinoLoggerLike, PinoLogSink } from './pino.log-sink';

/** The part of the module's resolved options read here (the module provides all of them). */
type ModuleOptions = { readonly logging: ResolvedLoggingOptions | false };

/**
 * One structured line per command and query (event handlers at debug, dead sagas at error):
 * through nestjs-pino when the app has its `LoggerModule`, so lines inside an HTTP request
 * carry the request's bindings; through Nest's `Logger` as JSON otherwise.
 */
@Injectable()
export class LoggingInterceptor implements WatchingSignal, OnModuleInit {
  readonly operations: readonly string[];
  readonly priority = BuiltInPriority.logging;
  private readonly options: ResolvedLoggingOptions | false;
  private readonly startupLogger = new Logger(LOG_CONTEXT);
  private sink: LogSink | undefined;
  private lines: LogLineFactory | undefined;
  private readonly observer: OutcomeObserver<OperationFrame> = {
    onSuccess: (frame) => this.writeOutcome(frame, false, undefined),
    onError: (frame, error) => this.writeOutcome(frame, true, error),
    report: (failure) => this.report(failure),
  };

  constructor(
    private readonly registry: HookRegistry,
    private readonly moduleRef: ModuleRef,
    private readonly discovery: DiscoveryService,
    @Inject(RESOLVED_OPTIONS) rootOptions: ModuleOptions,
    @Inject(FAILURE_REPORTER) private readonly reporter: FailureReporter,
    private readonly policy: RedactionPolicy,
  ) {
    this.options = rootOptions.logging;
    this.operations =
      this.options !== false && this.options.events
        ? ['command.execute.*', 'query.execute.*', 'event.handler.*']
        : ['command.execute.*', 'query.execute.*'];
  }

  async onModuleInit(): Promise<void> {
    const options = this.options;
    if (options === false) return;
    this.sink = await this.resolveSink();
    this.lines = new LogLineFactory(
      options.slowThresholdMs,
      options.payload ? this.policy : undefined,
      this.policy,
    );
    const priority = this.priority;
    this.registry.registerSignal(this, { operations: this.operations, priority });
    this.registry.registerSignal(
      { start: (frame) => this.writeSagaError(frame.attributes), report: this.report },
      { operations: ['saga.error.*'], priority },
    );
    this.registry.registerSignal(
      { start: (frame) => this.writeUnhandledEvent(frame.attributes), report: this.report },
      { operations: ['event.unhandled.*'], priority },
    );
  }

  start(frame: OperationFrame): void {
    // The clock is read now, as the operation starts (and shared with the other signals).
    void frame.startedAt;
    frame.watch(this.observer, frame);
  }

  readonly report = (failure: unknown): void => {
    this.reporter.report(LOGGING_FAILURE_SOURCE, failure);
  };

  private writeUnhandledEvent(attributes: OperationAttributes): void {
    if (this.sink!.isLevelEnabled('debug')) {
      const { line, message } = unhandledEventLine(this.lines!, attributes);
      this.sink!.write('debug', line, message);
    }
  }

  private writeOutcome(frame: OperationFrame, failed: boolean, error: unknown): void {
    const sink = this.sink!;
    const lines = this.lines!;
    const attributes = frame.attributes;
    const durationMs = performance.now() - frame.startedAt;
    const level = lines.level(attributes, durationMs, failed);
    // A disabled level builds no line.
    if (!sink.isLevelEnabled(level)) return;
    sink.write(
      level,
      lines.line(attributes, durationMs, failed, error),
      lines.message(attributes, durationMs, level),
    );
  }

  private writeSagaError(attributes: OperationAttributes): void {
    if (this.sink!.isLevelEnabled('error')) {
      const { line, message } = this.lines!.sagaErrorLine(attributes);
      this.sink!.write('error', line, message);
    }
  }

  private async resolveSink(): Promise<LogSink> {
    const pinoSink = await this.resolvePinoSink(this.findPinoLoggerToken());
    if (pinoSink !== undefined) {
      this.startupLogger.log("CQRS log lines go through nestjs-pino's PinoLogger");
      return pinoSink;
    }
    const nestjsPino = loadOptionalPackage<unknown>('nestjs-pino');
    if (nestjsPino.status === 'loaded') {
      this.startupLogger.log(
        "nestjs-pino's LoggerModule is not imported: CQRS log lines go through Nest's Logger as JSON",
      );
    } else {
      reportUnavailable(
        this.startupLogger,
        'nestjs-pino',
        nestjsPino,
        "CQRS log lines go through Nest's Logger as JSON",
      );
    }
    return new NestLogSink(new Logger(LOG_CONTEXT));
  }

  /**
   * The app's own `PinoLogger` provider, found by name in its DI container rather than by
   * class identity: an ESM app loads nestjs-pino's ESM build while this library's `require`
   * would load the CommonJS one, and the two classes are different objects.
   */
  private findPinoLoggerToken(): unknown {
    for (const wrapper of this.discovery.getProviders()) {
      const token: unknown = wrapper.token;
      if (typeof token === 'function' && token.name === 'PinoLogger') return token;
    }
    return undefined;
  }

  private async resolvePinoSink(type: unknown): Promise<LogSink | undefined> {
    if (typeof type !== 'function') return undefined;
    try {
      // PinoLogger is transient: resolve() builds one from the app's LoggerModule params.
      const instance: unknown = await this.moduleRef.resolve(type as new () => unknown, undefined, {
        strict: false,
      });
      return isPinoLoggerLike(instance) ? new PinoLogSink(instance) : undefined;
    } catch {
      return undefined;
    }
  }
}
