import { CommandBus } from '@nestjs/cqrs';
import type { TestingModule } from '@nestjs/testing';
import { MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics';
import { Registry } from 'prom-client';
import { trackFlow, type TelemetryPolicy } from '../lib';
import { COMMAND_CLASSES, createVariant, SIGNALS_OFF, type AppSpec } from './bench-app';
import {
  contextFloorSpec,
  fullPipelineSpec,
  handWrittenContextSpec,
  handWrittenHookSpec,
  handWrittenSpanSpec,
  handWrittenSpec,
  spanFloorSpec,
} from './signals';

function dispatchOne(app: TestingModule): Promise<unknown> {
  const Command = COMMAND_CLASSES[0]!;
  return app
    .get(CommandBus)
    .execute(new Command({ orderId: 'o-1', sku: 'SKU-1', quantity: 1, email: 'a@example.com' }));
}

/** A ratio the bench prints, its budget, and how it is measured. */
export interface Comparison {
  readonly id: string;
  /** The ratio as the README's table writes it. */
  readonly title: string;
  /** `max`: the ratio must not exceed the budget; `min`: it must reach it. */
  readonly budget?: { readonly limit: number; readonly bound: 'max' | 'min' };
  readonly measure: 'dispatch' | 'depth' | 'construct' | 'allocation' | 'propagation';
  /** For `dispatch`: numerator first, denominator second. */
  readonly specs?: () => [AppSpec, AppSpec];
  /**
   * For `dispatch`: the numerator's work written by hand, measured beside the two (a ratio
   * printed with the result): how far below it the module can get at all.
   */
  readonly byHand?: () => AppSpec;
  readonly tracer?: 'sampled' | 'never-sampled' | 'none';
}

const bare: AppSpec = { name: 'bare bus' };

/** A reader never collected: the SDK aggregates every measurement, nothing is exported. */
class IdleReader extends MetricReader {
  protected override onShutdown(): Promise<void> {
    return Promise.resolve();
  }
  protected override onForceFlush(): Promise<void> {
    return Promise.resolve();
  }
}

export const COMPARISONS: readonly Comparison[] = [
  {
    id: 'signals-off',
    title: 'module, every signal off / bare bus',
    budget: { limit: 1.03, bound: 'max' },
    measure: 'dispatch',
    specs: () => [{ name: 'module, every signal off', observability: SIGNALS_OFF }, bare],
  },
  {
    id: 'no-op-hook',
    title: 'one no-op user hook on every operation / bare bus',
    budget: { limit: 1.2, bound: 'max' },
    measure: 'dispatch',
    specs: () => [{ name: 'module, one no-op hook', observability: SIGNALS_OFF, hook: true }, bare],
    byHand: () => handWrittenHookSpec('bare bus + the no-op hook by hand'),
  },
  {
    id: 'correlation',
    title: 'correlation only (per-dispatch context) / bare bus',
    budget: { limit: 1.2, bound: 'max' },
    measure: 'dispatch',
    specs: () => [
      { name: 'module, correlation only', observability: { ...SIGNALS_OFF, correlation: true } },
      bare,
    ],
    byHand: () => handWrittenContextSpec('bare bus + a nestjs-cls context by hand'),
  },
  {
    id: 'tracing-unsampled',
    title: 'tracing on, sampler never samples / bare bus',
    budget: { limit: 1.3, bound: 'max' },
    measure: 'dispatch',
    tracer: 'never-sampled',
    specs: () => [
      {
        name: 'module, tracing on, never sampled',
        observability: { ...SIGNALS_OFF, tracing: true },
      },
      bare,
    ],
    byHand: () => handWrittenSpanSpec('bare bus + startActiveSpan by hand'),
  },
  // The floors of the two lines above, no budget: what the platform's part costs alone.
  {
    id: 'context-floor',
    title: 'bare bus + one AsyncLocalStorage.run per dispatch / bare bus',
    measure: 'dispatch',
    specs: () => [contextFloorSpec('bare bus + AsyncLocalStorage.run'), bare],
  },
  {
    id: 'span-floor',
    title:
      'bare bus + one never-sampled span started and ended per dispatch, not made active / bare bus',
    measure: 'dispatch',
    tracer: 'never-sampled',
    specs: () => [spanFloorSpec('bare bus + startSpan().end()'), bare],
  },
  {
    id: 'full-pipeline',
    title: 'full pipeline / the same signals written by hand inline',
    budget: { limit: 1.0, bound: 'max' },
    measure: 'dispatch',
    tracer: 'sampled',
    specs: () => [
      fullPipelineSpec('module, full pipeline'),
      handWrittenSpec('same signals written by hand inline'),
    ],
  },
  {
    id: 'depth',
    title: 'nested synchronous dispatch depth before RangeError, full pipeline / bare',
    budget: { limit: 0.33, bound: 'min' },
    measure: 'depth',
    tracer: 'sampled',
    specs: () => [fullPipelineSpec('module, full pipeline'), bare],
  },
  {
    // The floor of the line above: what the same signals stack when a team writes them.
    id: 'depth-by-hand',
    title: 'nested synchronous dispatch depth before RangeError, the same signals by hand / bare',
    measure: 'depth',
    tracer: 'sampled',
    specs: () => [handWrittenSpec('same signals written by hand inline'), bare],
  },
  {
    id: 'construct',
    title: 'constructing a BaseCommand / a plain class with the same fields and a randomUUID()',
    budget: { limit: 1.5, bound: 'max' },
    measure: 'construct',
  },
  {
    id: 'allocation',
    title: 'bytes allocated per dispatch: full pipeline / hand-written',
    measure: 'allocation',
    tracer: 'sampled',
    specs: () => [
      fullPipelineSpec('module, full pipeline'),
      handWrittenSpec('same signals written by hand inline'),
    ],
  },
  // Informational, kept from the earlier groups: no budget.
  {
    id: 'correlation-validation',
    title: 'correlation + validation / bare bus',
    measure: 'dispatch',
    specs: () => [
      {
        name: 'module, correlation + validation',
        observability: { ...SIGNALS_OFF, correlation: true, validation: true },
      },
      bare,
    ],
  },
  {
    id: 'tracing-sampled',
    title: 'tracing on, every span sampled (+payload, correlation) / bare bus',
    measure: 'dispatch',
    tracer: 'sampled',
    specs: () => [
      {
        name: 'module, tracing on (+payload), sampled',
        observability: { ...SIGNALS_OFF, correlation: true, tracing: true },
      },
      bare,
    ],
  },
  {
    id: 'flow-map',
    title: 'full pipeline + message-flow map / full pipeline',
    measure: 'dispatch',
    tracer: 'sampled',
    specs: () => {
      const withFlowMap = fullPipelineSpec('module, full pipeline + flowMap');
      return [
        { ...withFlowMap, observability: { ...withFlowMap.observability, flowMap: true } },
        fullPipelineSpec('module, full pipeline'),
      ];
    },
  },
  {
    id: 'track-flow-unused',
    title: 'full pipeline after trackFlow() calls have finished / full pipeline',
    measure: 'dispatch',
    tracer: 'sampled',
    specs: () => {
      const tracked = fullPipelineSpec('module, full pipeline, after 3 trackFlow() calls');
      return [
        {
          ...tracked,
          // A test's flows, tracked and finished: their hook must be gone, costing nothing.
          before: async (app) => {
            for (let k = 0; k < 3; k++) await trackFlow(app, () => dispatchOne(app));
          },
        },
        fullPipelineSpec('module, full pipeline'),
      ];
    },
  },
  {
    id: 'tenant',
    title: 'full pipeline + tenant on every step (with its metric label) / full pipeline',
    measure: 'dispatch',
    tracer: 'sampled',
    specs: () => {
      const withTenant = fullPipelineSpec('module, full pipeline + tenant');
      return [
        {
          ...withTenant,
          // Every bench command carries a valid id in `sku`: each dispatch has a tenant.
          observability: {
            ...withTenant.observability,
            tenant: { fromMessage: 'sku', metricLabel: true },
          },
        },
        fullPipelineSpec('module, full pipeline'),
      ];
    },
  },
  {
    id: 'policy-resolved',
    title: 'full pipeline + an empty telemetry policy for every dispatched type / full pipeline',
    measure: 'dispatch',
    tracer: 'sampled',
    // The policy is looked up at each signal's entry and says nothing: the cost of the
    // mechanism itself. With no policy anywhere (the right side) no lookup happens at all.
    specs: () => [
      withPolicy('module, full pipeline + empty policies', {}),
      fullPipelineSpec('module, full pipeline'),
    ],
  },
  {
    id: 'policy-tracing-off',
    title:
      'full pipeline, a policy turning tracing off for every type / full pipeline, tracing: false',
    measure: 'dispatch',
    tracer: 'sampled',
    specs: () => {
      const tracingOff = fullPipelineSpec('module, full pipeline, tracing: false');
      return [
        withPolicy('module, full pipeline, policy tracing: false', { tracing: false }),
        { ...tracingOff, observability: { ...tracingOff.observability, tracing: false } },
      ];
    },
  },
  {
    id: 'otel-metrics-unused',
    title: 'OpenTelemetry metrics on, no MeterProvider registered / off (other signals off)',
    measure: 'dispatch',
    specs: () => [
      {
        name: 'module, otelMetrics on, no MeterProvider',
        observability: { ...SIGNALS_OFF, otelMetrics: true },
      },
      { name: 'module, every signal off', observability: SIGNALS_OFF },
    ],
  },
  {
    id: 'otel-metrics-recording',
    title: 'OpenTelemetry metrics into an SDK MeterProvider / off (other signals off)',
    measure: 'dispatch',
    specs: () => [
      {
        name: 'module, otelMetrics into an SDK MeterProvider',
        // Export cost is out, as for spans.
        observability: {
          ...SIGNALS_OFF,
          otelMetrics: { meterProvider: new MeterProvider({ readers: [new IdleReader()] }) },
        },
      },
      { name: 'module, every signal off', observability: SIGNALS_OFF },
    ],
  },
  {
    id: 'prometheus-metrics',
    title: 'Prometheus metrics (prom-client) / off (other signals off), beside the line above',
    measure: 'dispatch',
    specs: () => [
      {
        name: 'module, Prometheus metrics',
        observability: { ...SIGNALS_OFF, metrics: { registry: new Registry() } },
      },
      { name: 'module, every signal off', observability: SIGNALS_OFF },
    ],
  },
  {
    id: 'semconv-spans',
    title: "tracing sampled, semanticConventions 'messaging' / the default 'cqrs' names",
    measure: 'dispatch',
    tracer: 'sampled',
    specs: () => [
      {
        name: "module, tracing sampled, 'messaging'",
        observability: { ...SIGNALS_OFF, tracing: { semanticConventions: 'messaging' } },
      },
      { name: "module, tracing sampled, 'cqrs'", observability: { ...SIGNALS_OFF, tracing: true } },
    ],
  },
  {
    id: 'propagation',
    title: 'cross-service propagation per message (NATS client, in-memory hand-off)',
    measure: 'propagation',
    tracer: 'sampled',
  },
];

/** The full pipeline with `policy` for each of the bench's command classes, by class. */
function withPolicy(name: string, policy: TelemetryPolicy): AppSpec {
  const spec = fullPipelineSpec(name);
  const messages = new Map(COMMAND_CLASSES.map((type) => [type, policy] as const));
  return { ...spec, observability: { ...spec.observability, telemetry: { messages } } };
}

export { createVariant };
