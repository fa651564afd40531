import type { Type } from '@nestjs/common';
import type { ValidatorOptions } from 'class-validator';
import {
  CorrelationOptions,
  ResolvedCorrelationOptions,
  resolveCorrelationOptions,
} from './correlation/correlation.options';
import {
  ResolvedTenantOptions,
  resolveTenantOptions,
  TenantOptions,
} from './correlation/tenant.options';
import { InvalidObservabilityOptionError } from './errors/invalid-options.error';
import {
  FlowMapOptions,
  ResolvedFlowMapOptions,
  resolveFlowMapOptions,
} from './flows/flow-map.options';
import type { CqrsInterceptor } from './hooks/hook.types';
import {
  type ResolvedTelemetryOptions,
  resolveTelemetryOptions,
  type TelemetryOptions,
  withEventHandlerTraces,
} from './hooks/telemetry.options';
import {
  LoggingOptions,
  ResolvedLoggingOptions,
  resolveLoggingOptions,
} from './logging/logging.options';
import {
  MetricsOptions,
  ResolvedMetricsOptions,
  resolveMetricsOptions,
} from './metrics/metrics.options';
import {
  OtelMetricsOptions,
  ResolvedOtelMetricsOptions,
  resolveOtelMetricsOptions,
} from './otel-metrics/otel-metrics.options';
import { assertKnownKeys, assertPlainObject } from './shared/options-validation';
import {
  MicroservicesOptions,
  ResolvedMicroservicesOptions,
  resolveMicroservicesOptions,
} from './microservices/microservices.options';
import {
  RedactionOptions,
  ResolvedRedactionOptions,
  resolveRedactionOptions,
} from './redaction/redaction.options';
import {
  ResolvedSentryOptions,
  resolveSentryOptions,
  SentryOptions,
} from './sentry/sentry.options';
import {
  ResolvedTracingOptions,
  resolveTracingOptions,
  TracingOptions,
} from './tracing/tracing.options';

/**
 * Options of `CqrsObservabilityModule.forRoot()` / `forRootAsync()`. Every signal accepts
 * `false` to turn it off, `true` for its defaults, or an object of its own options.
 */
export interface CqrsObservabilityModuleOptions {
  /**
   * Correlation and causation ids in nestjs-cls, read from and echoed to HTTP headers.
   * `false` skips ids and per-dispatch contexts entirely.
   * @default { header: 'x-correlation-id', echo: true }
   */
  correlation?: boolean | CorrelationOptions;
  /**
   * Check class-validator decorators on every message at dispatch; an invalid message fails
   * with `MessageValidationError` and its handler is not called. An object is passed to
   * class-validator as its `ValidatorOptions`.
   * @default true
   */
  validation?: boolean | ValidatorOptions;
  /** OpenTelemetry spans for commands, queries, events, handlers and sagas. @default true */
  tracing?: boolean | TracingOptions;
  /** The one redaction policy for span payloads, log payloads and Sentry contexts. */
  redaction?: RedactionOptions;
  /** Prometheus metrics through prom-client. On when prom-client is installed. @default true */
  metrics?: boolean | MetricsOptions;
  /**
   * OpenTelemetry metrics with the messaging semantic conventions' names
   * (`messaging.process.duration`, `messaging.client.sent.messages`) through the registered
   * MeterProvider, beside (or instead of) the Prometheus ones. On by default and free when no
   * MeterProvider is registered: no hook is installed then.
   * @default true
   */
  otelMetrics?: boolean | OtelMetricsOptions;
  /** One structured log line per command and query (nestjs-pino when present). @default true */
  logging?: boolean | LoggingOptions;
  /** Failures to Sentry through @sentry/nestjs, when Sentry is initialised. @default true */
  sentry?: boolean | SentryOptions;
  /**
   * Your own interceptors, run in the same pipeline as the built-in signals. Classes are
   * resolved through Nest's DI (or instantiated with their dependencies injected).
   * @default []
   */
  interceptors?: (Type<CqrsInterceptor> | CqrsInterceptor)[];
  /**
   * Keep a bounded map of which message type leads to which (`MessageFlowMap`). Off unless
   * asked for: it costs nothing then.
   * @default false
   */
  flowMap?: boolean | FlowMapOptions;
  /**
   * Correlation, causation and trace context across services through @nestjs/microservices
   * clients and handlers, when that package is installed. `false` leaves them untouched.
   * @default true
   */
  microservices?: boolean | MicroservicesOptions;
  /**
   * A tenant id carried through each flow like the correlation id — from the message, the
   * app's nestjs-cls key or an HTTP header, across handlers, sagas and services — and put on
   * spans (`tenant.id`), log lines and Sentry tags (`tenant_id`), and with `metricLabel` on
   * per-tenant metrics. Off unless asked for: it costs nothing then.
   * @default false
   */
  tenant?: boolean | TenantOptions;
  /**
   * Per message type and per handler: turn tracing, payload capture, metrics, logs or Sentry
   * off, set the log level and slow threshold, pick the handler trace shape. Also
   * `@CqrsTelemetry()` on the class; README "Telemetry per message type" has the precedence.
   * @default no policies
   */
  telemetry?: TelemetryOptions;
}

/** Options after defaults and validation: what the module's providers read. */
export interface ResolvedObservabilityOptions {
  readonly correlation: ResolvedCorrelationOptions | false;
  readonly validation: ValidatorOptions | false;
  readonly tracing: ResolvedTracingOptions | false;
  readonly redaction: ResolvedRedactionOptions;
  readonly metrics: ResolvedMetricsOptions | false;
  readonly otelMetrics: ResolvedOtelMetricsOptions | false;
  readonly logging: ResolvedLoggingOptions | false;
  readonly sentry: ResolvedSentryOptions | false;
  readonly interceptors: readonly (Type<CqrsInterceptor> | CqrsInterceptor)[];
  readonly flowMap: ResolvedFlowMapOptions | false;
  readonly microservices: ResolvedMicroservicesOptions | false;
  readonly tenant: ResolvedTenantOptions | false;
  readonly telemetry: ResolvedTelemetryOptions;
}

const ROOT_OPTIONS = [
  'correlation',
  'validation',
  'tracing',
  'redaction',
  'metrics',
  'otelMetrics',
  'logging',
  'sentry',
  'interceptors',
  'flowMap',
  'microservices',
  'tenant',
  'telemetry',
] as const;

/** Validates options and merges defaults: the one place defaults come from. */
export function resolveObservabilityOptions(options: unknown = {}): ResolvedObservabilityOptions {
  const raw = options ?? {};
  assertPlainObject(raw, 'options');
  assertKnownKeys(raw, '', ROOT_OPTIONS);
  const metrics = resolveMetricsOptions(raw.metrics);
  const tenant = resolveTenantOptions(raw.tenant);
  if (tenant !== false && tenant.metricLabel && metrics === false) {
    throw new InvalidObservabilityOptionError(
      'tenant.metricLabel',
      'false while metrics is off (metrics: false)',
      true,
    );
  }
  const tracing = resolveTracingOptions(raw.tracing);
  const telemetry = resolveTelemetryOptions(raw.telemetry);
  return Object.freeze({
    correlation: resolveCorrelationOptions(raw.correlation),
    validation: resolveValidation(raw.validation),
    tracing,
    redaction: resolveRedactionOptions(raw.redaction as RedactionOptions | undefined, 'redaction'),
    metrics,
    otelMetrics: resolveOtelMetricsOptions(raw.otelMetrics),
    logging: resolveLoggingOptions(raw.logging),
    sentry: resolveSentryOptions(raw.sentry),
    interceptors: resolveInterceptors(raw.interceptors),
    flowMap: resolveFlowMapOptions(raw.flowMap),
    microservices: resolveMicroservicesOptions(raw.microservices),
    tenant,
    telemetry:
      tracing === false
        ? telemetry
        : withEventHandlerTraces(
            telemetry,
            tracing.eventHandlerTraceByEvent,
            'tracing.eventHandlerTraceByEvent',
          ),
  });
}

function resolveValidation(value: unknown): ValidatorOptions | false {
  if (value === false) return false;
  if (value === undefined || value === true) return Object.freeze({});
  assertPlainObject(value, 'validation');
  if ((value as ValidatorOptions).whitelist) {
    // Messages are immutable: unknown fields cannot be stripped from them.
    throw new InvalidObservabilityOptionError('validation.whitelist', 'false or absent', true);
  }
  // A copy: the caller mutating its object later must not change a running validator.
  return frozenCopy(value) as ValidatorOptions;
}

/** A deep, frozen copy of plain data (objects and arrays); anything else is kept as is. */
function frozenCopy(value: unknown): unknown {
  if (Array.isArray(value)) return Object.freeze(value.map(frozenCopy));
  if (value === null || typeof value !== 'object') return value;
  const proto: unknown = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) return value;
  return Object.freeze(
    Object.fromEntries(Object.entries(value).map(([key, child]) => [key, frozenCopy(child)])),
  );
}

function resolveInterceptors(value: unknown): readonly (Type<CqrsInterceptor> | CqrsInterceptor)[] {
  if (value === undefined) return Object.freeze([]);
  if (!Array.isArray(value)) {
    throw new InvalidObservabilityOptionError(
      'interceptors',
      'an array of interceptor classes or instances',
      value,
    );
  }
  value.forEach((entry: unknown, index) => {
    const usable =
      typeof entry === 'function' ||
      (entry !== null &&
        typeof entry === 'object' &&
        typeof (entry as CqrsInterceptor).intercept === 'function');
    if (!usable) {
      throw new InvalidObservabilityOptionError(
        `interceptors[${index}]`,
        'a class implementing CqrsInterceptor or an object with intercept(context, next)',
        entry,
      );
    }
  });
  return Object.freeze([...(value as (Type<CqrsInterceptor> | CqrsInterceptor)[])]);
}

const ASYNC_SOURCES = ['useFactory', 'useClass', 'useExisting'] as const;

/**
 * `forRootAsync()` needs exactly one place to get its options from; without one, Nest's
 * builder fails later with an unrelated TypeError.
 */
export function assertAsyncOptions(options: unknown): void {
  const path = 'forRootAsync';
  if (options === undefined || options === null) {
    throw new InvalidObservabilityOptionError(
      path,
      `an object with one of ${ASYNC_SOURCES.join(', ')} (use forRoot() for the defaults)`,
      options,
    );
  }
  assertPlainObject(options, path);
  const given = ASYNC_SOURCES.filter((key) => options[key] !== undefined);
  if (given.length !== 1) {
    throw new InvalidObservabilityOptionError(
      path,
      `exactly one of ${ASYNC_SOURCES.join(', ')}`,
      given.length === 0 ? options : given.join(' and '),
    );
  }
  if (options.useFactory !== undefined && typeof options.useFactory !== 'function') {
    throw new InvalidObservabilityOptionError(
      `${path}.useFactory`,
      'a function',
      options.useFactory,
    );
  }
}
