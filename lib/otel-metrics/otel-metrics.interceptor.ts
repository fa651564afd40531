import { Inject, Injectable, Logger, OnModuleInit } from '@nestjs/common';
import type { FailureReporter } from '../errors/failure-reporter';
import { LOGGER_CONTEXT } from '../errors/logger-context';
import { HookRegistry } from '../hooks/hook.registry';
import type { OperationFrame } from '../hooks/operation-frame';
import { BuiltInPriority, MESSAGE_OPERATIONS } from '../hooks/operations';
import type { WatchingSignal } from '../hooks/signal';
import { FAILURE_REPORTER, RESOLVED_OPTIONS } from '../shared/tokens';
import type { ResolvedOtelMetricsOptions } from './otel-metrics.options';
import { OtelMetricsRecorder } from './otel-metrics.recorder';
import { recordingMeter } from './recording-meter';

const RECORDING = 'Recording OpenTelemetry CQRS metrics';

/** The part of the module's resolved options read here (the module provides all of them). */
type ModuleOptions = { readonly otelMetrics: ResolvedOtelMetricsOptions | false };

/**
 * OpenTelemetry metrics after the messaging semantic conventions — `messaging.process.duration`
 * for every command, query, event handler and saga step, `messaging.client.sent.messages` for
 * every event published — through the application's MeterProvider. Without one it registers
 * no hook at all: the dispatch path is the same as with the signal off.
 */
@Injectable()
export class OtelMetricsInterceptor implements WatchingSignal, OnModuleInit {
  readonly operations = MESSAGE_OPERATIONS;
  // The metrics slot: beside the Prometheus metrics, inside tracing (ties keep registration order).
  readonly priority = BuiltInPriority.metrics;
  private readonly logger = new Logger(LOGGER_CONTEXT);
  private recorder: OtelMetricsRecorder | undefined;

  constructor(
    private readonly registry: HookRegistry,
    @Inject(RESOLVED_OPTIONS) private readonly options: ModuleOptions,
    @Inject(FAILURE_REPORTER) private readonly reporter: FailureReporter,
  ) {}

  onModuleInit(): void {
    const options = this.options.otelMetrics;
    if (options === false) return;
    try {
      const meter = recordingMeter(options.meterProvider);
      if (meter === undefined) {
        if (options.explicit) {
          this.logger.warn(
            'otelMetrics: no OpenTelemetry MeterProvider is registered (register the SDK before the app is created, or pass otelMetrics.meterProvider): OpenTelemetry metrics are off',
          );
        }
        return;
      }
      this.recorder = new OtelMetricsRecorder(meter, options.maxMessageTypes, this.reporter);
    } catch (error) {
      // A provider that fails to hand out a meter or instruments: metrics off, the app starts.
      this.reporter.report('Starting OpenTelemetry CQRS metrics', error);
      return;
    }
    this.registry.registerSignal(this, { operations: this.operations, priority: this.priority });
  }

  start(frame: OperationFrame): void {
    this.recorder?.start(frame);
  }

  report(failure: unknown): void {
    this.reporter.report(RECORDING, failure);
  }
}
