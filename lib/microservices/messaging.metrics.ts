import type { Counter, Histogram, Registry } from 'prom-client';
import type { FailureReporter } from '../errors/failure-reporter';
import { DEFAULT_DURATION_BUCKETS } from '../metrics/metrics.options';
import { LabelValueLimiter } from '../shared/label-value-limiter';
import {
  DEFAULT_MESSAGE_AGE_BUCKETS,
  MessagingMetricLabels,
  MessagingMetricNames,
} from './microservices.constants';

type PromClient = Pick<typeof import('prom-client'), 'Counter' | 'Histogram'>;

const LABELS = [
  MessagingMetricLabels.TRANSPORT,
  MessagingMetricLabels.PATTERN,
  MessagingMetricLabels.OUTCOME,
] as const;
const AGE_LABELS = [MessagingMetricLabels.TRANSPORT, MessagingMetricLabels.PATTERN] as const;

/**
 * The four transport metrics, taken from the registry when present and created otherwise.
 * Patterns are capped (`_other` beyond the cap), transports and outcomes are fixed sets, so
 * the series stay bounded. Recording never throws.
 */
export class MessagingMetrics {
  private readonly sent: Counter<string> | undefined;
  private readonly consumed: Counter<string> | undefined;
  private readonly duration: Histogram<string> | undefined;
  private readonly age: Histogram<string> | undefined;
  private readonly patterns: LabelValueLimiter;
  private readonly children = new Map<string, unknown>();

  constructor(
    promClient: PromClient,
    registry: Registry,
    buckets: readonly number[] | undefined,
    maxPatterns: number,
    private readonly reporter: FailureReporter,
  ) {
    this.patterns = new LabelValueLimiter(maxPatterns);
    const counter = (name: string, help: string) =>
      this.getOrCreate<Counter<string>>(
        registry,
        name,
        'counter',
        () =>
          new promClient.Counter({ name, help, labelNames: [...LABELS], registers: [registry] }),
      );
    const histogram = (
      name: string,
      help: string,
      labels: readonly string[],
      b: readonly number[],
    ) =>
      this.getOrCreate<Histogram<string>>(
        registry,
        name,
        'histogram',
        () =>
          new promClient.Histogram({
            name,
            help,
            labelNames: [...labels],
            buckets: [...b],
            registers: [registry],
          }),
      );
    this.sent = counter(
      MessagingMetricNames.SENT,
      'Messages emitted or sent through a @nestjs/microservices client, by outcome',
    );
    this.consumed = counter(
      MessagingMetricNames.CONSUMED,
      'Messages handled by @EventPattern/@MessagePattern handlers, by outcome',
    );
    this.duration = histogram(
      MessagingMetricNames.PROCESS_DURATION,
      'Duration of handling one transport message, in seconds',
      LABELS,
      buckets ?? DEFAULT_DURATION_BUCKETS,
    );
    this.age = histogram(
      MessagingMetricNames.MESSAGE_AGE,
      'Time from a message being sent to its handler starting, in seconds',
      AGE_LABELS,
      DEFAULT_MESSAGE_AGE_BUCKETS,
    );
  }

  /** The capped label value of a pattern. */
  pattern(name: string): string {
    return this.patterns.value(name);
  }

  recordSent(transport: string, pattern: string, outcome: string): void {
    this.safely(MessagingMetricNames.SENT, () =>
      this.child(this.sent, 's', transport, pattern, outcome)?.inc(),
    );
  }

  recordAge(transport: string, pattern: string, seconds: number): void {
    this.safely(MessagingMetricNames.MESSAGE_AGE, () =>
      this.child(this.age, 'a', transport, pattern, undefined)?.observe(seconds),
    );
  }

  recordConsumed(transport: string, pattern: string, outcome: string, seconds: number): void {
    this.safely(MessagingMetricNames.CONSUMED, () => {
      this.child(this.consumed, 'c', transport, pattern, outcome)?.inc();
      this.child(this.duration, 'd', transport, pattern, outcome)?.observe(seconds);
    });
  }

  /**
   * The labelled child of a metric, kept so a message costs no label hashing. Bounded: the
   * transports and outcomes are fixed sets and the patterns are capped.
   */
  private child<C>(
    metric: { labels(labels: Record<string, string>): C } | undefined,
    family: string,
    transport: string,
    pattern: string,
    outcome: string | undefined,
  ): C | undefined {
    if (metric === undefined) return undefined;
    const key = `${family}\u0000${transport}\u0000${pattern}\u0000${outcome ?? ''}`;
    let child = this.children.get(key) as C | undefined;
    if (child === undefined) {
      child = metric.labels(
        outcome === undefined ? { transport, pattern } : { transport, pattern, outcome },
      );
      this.children.set(key, child);
    }
    return child;
  }

  private safely(name: string, record: () => void): void {
    try {
      record();
    } catch (error) {
      this.reporter.report(`Recording ${name}`, error);
    }
  }

  private getOrCreate<M>(
    registry: Registry,
    name: string,
    type: string,
    create: () => M,
  ): M | undefined {
    try {
      const existing = registry.getSingleMetric(name) as { type?: unknown } | undefined;
      if (existing === undefined) return create();
      if (existing.type === type) return existing as M;
      this.reporter.report(
        `Registering ${name}`,
        new TypeError(`the registry already holds a ${String(existing.type)} "${name}"`),
      );
    } catch (error) {
      this.reporter.report(`Registering ${name}`, error);
    }
    return undefined;
  }
}
