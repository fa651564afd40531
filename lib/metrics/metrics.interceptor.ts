import { Inject, Injectable, Logger, OnModuleInit } from '@nestjs/common';
import type { Registry } from 'prom-client';
import { FAILURE_REPORTER, RESOLVED_OPTIONS } from '../shared/tokens';
import type { FailureReporter } from '../errors/failure-reporter';
import { HookRegistry } from '../hooks/hook.registry';
import type { OperationFrame } from '../hooks/operation-frame';
import type { WatchingSignal } from '../hooks/signal';
import { BuiltInPriority, MESSAGE_OPERATIONS, OperationNames } from '../hooks/operations';
import { loadOptionalPeer } from '../shared/optional-package';
import { MetricFamilies, type PromClientModule } from './metrics.families';
import type { ResolvedMetricsOptions } from './metrics.options';
import { MetricsRecorder } from './metrics.recorder';
import { LOGGER_CONTEXT } from '../errors/logger-context';

/** The part of the module's resolved options read here (the module provides all of them). */
type ModuleOptions = { readonly metrics: ResolvedMetricsOptions | false };

const PROM_CLIENT = 'prom-client';

/**
 * Prometheus metrics for every command, query, event publish, event handler and saga, plus
 * dead saga streams and @nestjs/cqrs's unhandled exceptions. prom-client is loaded when the
 * module initialises; without it the signal stays off and says so once.
 */
@Injectable()
export class MetricsInterceptor implements WatchingSignal, OnModuleInit {
  readonly operations: readonly string[] = Object.freeze([
    ...MESSAGE_OPERATIONS,
    'saga.error.*',
    'unhandled_exception.*',
    'event.unhandled.*',
    OperationNames.messageRegistryRegister,
  ]);
  readonly priority = BuiltInPriority.metrics;
  private readonly logger = new Logger(LOGGER_CONTEXT);
  private recorder: MetricsRecorder | undefined;

  constructor(
    private readonly registry: HookRegistry,
    @Inject(RESOLVED_OPTIONS) private readonly options: ModuleOptions,
    @Inject(FAILURE_REPORTER) private readonly reporter: FailureReporter,
  ) {}

  onModuleInit(): void {
    const options = this.options.metrics;
    if (options === false) return;
    const promClient = this.loadPromClient();
    if (promClient === undefined) return;
    try {
      this.recorder = this.createRecorder(promClient, options);
    } catch (error) {
      // Every metric guards itself; this is the last line for a registry that breaks in ways
      // no metric could catch. Metrics are then off, the app still starts.
      this.reporter.report('Starting CQRS metrics', error);
      return;
    }
    this.registry.registerSignal(this, { operations: this.operations, priority: this.priority });
  }

  start(frame: OperationFrame): void {
    this.recorder?.start(frame);
  }

  report(failure: unknown): void {
    this.reporter.report('Recording CQRS metrics', failure);
  }

  private loadPromClient(): PromClientModule | undefined {
    return loadOptionalPeer<PromClientModule>(PROM_CLIENT, 'metrics are off', this.logger);
  }

  private createRecorder(
    promClient: PromClientModule,
    options: ResolvedMetricsOptions,
  ): MetricsRecorder {
    const registry = (options.registry ?? promClient.register) as Registry;
    const exemplars = options.exemplars && this.supportsExemplars(promClient, registry);
    const families = new MetricFamilies(
      promClient,
      { registry, buckets: options.buckets, exemplars },
      this.reporter,
    );
    return new MetricsRecorder(
      families,
      { maxMessageTypes: options.maxMessageTypes, exemplars },
      this.reporter,
    );
  }

  private supportsExemplars(promClient: PromClientModule, registry: Registry): boolean {
    const openMetrics = promClient.Registry.OPENMETRICS_CONTENT_TYPE;
    if ((registry as { contentType?: unknown }).contentType === openMetrics) return true;
    this.logger.warn(
      'metrics.exemplars needs an OpenMetrics registry ' +
        '(registry.setContentType(Registry.OPENMETRICS_CONTENT_TYPE)): metrics are recorded without exemplars',
    );
    return false;
  }
}
