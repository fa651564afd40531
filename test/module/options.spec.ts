import { Injectable } from '@nestjs/common';
import {
  DEFAULT_CORRELATION_HEADER,
  DEFAULT_DURATION_BUCKETS,
  DEFAULT_SENSITIVE_FIELDS,
  InvalidObservabilityOptionError,
  type CqrsInterceptor,
  type CqrsObservabilityModuleOptions,
} from '../../lib';
import { resolveObservabilityOptions } from '../../lib/options';
import { createTestApp } from '../utils/create-app';

@Injectable()
class NoopInterceptor implements CqrsInterceptor {
  intercept(_context: unknown, next: () => Promise<unknown>): Promise<unknown> {
    return next();
  }
}

function resolveError(options: unknown): InvalidObservabilityOptionError {
  try {
    resolveObservabilityOptions(options);
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidObservabilityOptionError);
    return error as InvalidObservabilityOptionError;
  }
  throw new Error(`options were accepted: ${JSON.stringify(options)}`);
}

/** Plain objects and arrays reachable from `value` that are not frozen, by path. */
function unfrozenPaths(value: unknown, path = 'options'): string[] {
  if (value === null || typeof value !== 'object') return [];
  const proto: unknown = Object.getPrototypeOf(value);
  if (!Array.isArray(value) && proto !== Object.prototype && proto !== null) return [];
  const own = Object.isFrozen(value) ? [] : [path];
  return own.concat(
    ...Object.entries(value).map(([key, child]) => unfrozenPaths(child, `${path}.${key}`)),
  );
}

const SIGNALS = ['correlation', 'validation', 'tracing', 'metrics', 'logging', 'sentry'] as const;

describe('resolveObservabilityOptions', () => {
  describe('defaults', () => {
    it('resolves every root option, with the documented defaults', () => {
      const resolved = resolveObservabilityOptions({});

      expect(Object.keys(resolved).sort()).toEqual(
        [
          'correlation',
          'flowMap',
          'interceptors',
          'logging',
          'metrics',
          'microservices',
          'otelMetrics',
          'redaction',
          'sentry',
          'tenant',
          'telemetry',
          'tracing',
          'validation',
        ].sort(),
      );
      expect(resolved.tenant).toBe(false);
      expect(resolved.correlation).toEqual({ header: 'x-correlation-id', echo: true });
      expect(DEFAULT_CORRELATION_HEADER).toBe('x-correlation-id');
      expect(resolved.validation).toEqual({});
      expect(resolved.flowMap).toBe(false);
      expect(resolveObservabilityOptions({ tenant: true }).tenant).toEqual({
        header: 'x-tenant-id',
        echo: true,
        fromCls: undefined,
        fromMessage: 'tenantId',
        metricLabel: false,
        maxMetricTenants: 100,
      });
      // On, and free until a MeterProvider is registered; `explicit` only decides a startup line.
      expect(resolved.otelMetrics).toEqual({
        meterProvider: undefined,
        maxMessageTypes: 200,
        explicit: false,
      });
      expect(resolved.tracing).toMatchObject({
        payload: true,
        eventHandlerTrace: 'child',
        eventHandlerTraceByEvent: {},
        recordRequestedBy: false,
        spanFactory: undefined,
        attributeProviders: {
          messageId: true,
          messageName: true,
          messageType: true,
          payloadType: true,
          metadata: true,
        },
      });
      expect(resolved.redaction).toMatchObject({
        includeFields: [],
        redactFields: [],
        hashFields: [],
        sensitiveFields: [...DEFAULT_SENSITIVE_FIELDS],
        extraSensitiveFields: [],
        personalFields: ['requested_by'],
        clearFields: [],
        valueDetectors: ['email', 'credentials', 'jwt', 'card_number', 'provider_key'],
        valuePatterns: [],
        maxPayloadChars: 4096,
      });
      expect([...DEFAULT_SENSITIVE_FIELDS].sort()).toEqual(
        [
          'password',
          'passwd',
          'pwd',
          'passphrase',
          'secret',
          'client_secret',
          'token',
          'access_token',
          'refresh_token',
          'id_token',
          'auth',
          'authorization',
          'proxy_authorization',
          'credentials',
          'bearer',
          'jwt',
          'cookie',
          'cookies',
          'session',
          'session_id',
          'api_key',
          'private_key',
          'signature',
          'otp',
          'pin',
          'email',
          'mail',
          'phone',
          'phone_number',
          'mobile',
          'address',
          'ssn',
          'dob',
          'date_of_birth',
          'birth_date',
          'iban',
          'account_number',
          'credit_card',
          'card',
          'card_number',
          'pan',
          'cvc',
          'cvv',
        ].sort(),
      );
      expect(resolved.metrics).toMatchObject({
        registry: undefined,
        maxMessageTypes: 200,
        exemplars: false,
        buckets: [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10],
      });
      expect(DEFAULT_DURATION_BUCKETS).toEqual((resolved.metrics || undefined)?.buckets);
      expect(resolved.logging).toMatchObject({
        slowThresholdMs: 1000,
        payload: false,
        events: true,
      });
      expect(resolved.sentry).toMatchObject({ shouldCapture: undefined });
      expect(resolved.interceptors).toEqual([]);
    });

    it('returns the same defaults for no options, undefined and null', () => {
      const defaults = resolveObservabilityOptions({});
      expect(resolveObservabilityOptions()).toEqual(defaults);
      expect(resolveObservabilityOptions(undefined)).toEqual(defaults);
      expect(resolveObservabilityOptions(null)).toEqual(defaults);
    });

    it('freezes the resolved options all the way down', () => {
      expect(unfrozenPaths(resolveObservabilityOptions({}))).toEqual([]);
      expect(
        unfrozenPaths(
          resolveObservabilityOptions({
            correlation: { header: 'x-trace' },
            validation: { skipMissingProperties: true, groups: ['a'] },
            tracing: { eventHandlerTraceByEvent: { OrderPlacedEvent: 'link' } },
            redaction: { redactFields: ['card'] },
            metrics: { buckets: [0.1, 1] },
            logging: { slowThresholdMs: 5 },
            sentry: { shouldCapture: () => true },
            interceptors: [NoopInterceptor],
          }),
        ),
      ).toEqual([]);
    });

    it('copies what it keeps: mutating the given options later changes nothing', () => {
      const validation = { skipMissingProperties: true, groups: ['create'] };
      const interceptors: CqrsObservabilityModuleOptions['interceptors'] = [NoopInterceptor];
      const redactFields = ['card'];
      const resolved = resolveObservabilityOptions({
        validation,
        interceptors,
        redaction: { redactFields },
      });

      validation.skipMissingProperties = false;
      validation.groups.push('update');
      interceptors.push({ intercept: (_c, next) => next() });
      redactFields.push('iban');

      expect(resolved.validation).toEqual({ skipMissingProperties: true, groups: ['create'] });
      expect(resolved.interceptors).toEqual([NoopInterceptor]);
      expect(resolved.redaction.redactFields).toEqual(['card']);
    });
  });

  describe('signals accept false, true or an object', () => {
    it.each(SIGNALS)('%s: false turns it off', (signal) => {
      expect(resolveObservabilityOptions({ [signal]: false })[signal]).toBe(false);
    });

    it.each(SIGNALS)('%s: true and {} mean its defaults', (signal) => {
      const defaults = resolveObservabilityOptions({})[signal];
      expect(defaults).not.toBe(false);
      expect(resolveObservabilityOptions({ [signal]: true })[signal]).toEqual(defaults);
      expect(resolveObservabilityOptions({ [signal]: {} })[signal]).toEqual(defaults);
    });

    it('takes the values of an object, keeping the defaults of what it leaves out', () => {
      const shouldCapture = () => false;
      const resolved = resolveObservabilityOptions({
        correlation: { header: 'X-Flow-Id', echo: false },
        validation: { skipMissingProperties: true },
        tracing: { eventHandlerTrace: 'link', eventHandlerTraceByEvent: { FailingEvent: 'child' } },
        metrics: { maxMessageTypes: 50, exemplars: true },
        logging: { slowThresholdMs: 250 },
        sentry: { shouldCapture },
      });

      // Header names are case-insensitive: kept lower-cased.
      expect(resolved.correlation).toEqual({ header: 'x-flow-id', echo: false });
      expect(resolved.validation).toEqual({ skipMissingProperties: true });
      expect(resolved.tracing).toMatchObject({
        eventHandlerTrace: 'link',
        eventHandlerTraceByEvent: { FailingEvent: 'child' },
        payload: true,
      });
      expect(resolved.metrics).toMatchObject({ maxMessageTypes: 50, exemplars: true });
      expect(resolved.metrics && resolved.metrics.buckets).toEqual(DEFAULT_DURATION_BUCKETS);
      expect(resolved.logging).toMatchObject({
        slowThresholdMs: 250,
        payload: false,
        events: true,
      });
      expect(resolved.sentry).toEqual({ shouldCapture });
    });

    it('takes redaction as an object only', () => {
      expect(
        resolveObservabilityOptions({ redaction: { maxPayloadChars: 100 } }).redaction,
      ).toMatchObject({ maxPayloadChars: 100, sensitiveFields: [...DEFAULT_SENSITIVE_FIELDS] });
      expect(resolveError({ redaction: false }).option).toBe('redaction');
      expect(resolveError({ redaction: 'strict' }).option).toBe('redaction');
    });

    it('takes interceptor classes and instance objects', () => {
      const instance: CqrsInterceptor = { intercept: (_c, next) => next() };
      expect(
        resolveObservabilityOptions({ interceptors: [NoopInterceptor, instance] }).interceptors,
      ).toEqual([NoopInterceptor, instance]);
    });
  });

  describe('errors', () => {
    it('names an unknown root option', () => {
      const error = resolveError({ tracng: true });
      expect(error.option).toBe('tracng');
      expect(error.name).toBe('InvalidObservabilityOptionError');
      expect(error).toBeInstanceOf(Error);
      expect(error.message).toContain('"tracng"');
    });

    it.each([
      ['tracing.sampler', { tracing: { sampler: 1 } }],
      ['metrics.registy', { metrics: { registy: {} } }],
      ['correlation.headr', { correlation: { headr: 'x' } }],
      ['logging.level', { logging: { level: 'debug' } }],
      ['sentry.dsn', { sentry: { dsn: 'https://x' } }],
      ['redaction.redact', { redaction: { redact: ['a'] } }],
      [
        'tracing.attributeProviders.spanKind',
        { tracing: { attributeProviders: { spanKind: true } } },
      ],
    ])('names an unknown nested option by its dotted path: %s', (option, options) => {
      const error = resolveError(options);
      expect(error.option).toBe(option);
      expect(error.message).toContain(`"${option}"`);
    });

    it.each([
      ['options', 42],
      ['options', []],
      ['options', 'tracing'],
      ['correlation', { correlation: 'on' }],
      ['validation', { validation: 'yes' }],
      ['tracing', { tracing: 'on' }],
      ['metrics', { metrics: 1 }],
      ['logging', { logging: null }],
      ['sentry', { sentry: [] }],
      ['interceptors', { interceptors: 'AuditInterceptor' }],
      ['interceptors', { interceptors: NoopInterceptor }],
      ['interceptors[1]', { interceptors: [NoopInterceptor, 42] }],
      ['interceptors[0]', { interceptors: [null] }],
      ['interceptors[0]', { interceptors: [{ operations: ['*'] }] }],
      ['metrics.maxMessageTypes', { metrics: { maxMessageTypes: '200' } }],
      ['metrics.maxMessageTypes', { metrics: { maxMessageTypes: 0 } }],
      ['metrics.maxMessageTypes', { metrics: { maxMessageTypes: 1.5 } }],
      ['metrics.exemplars', { metrics: { exemplars: 'yes' } }],
      ['metrics.buckets', { metrics: { buckets: [1, 0.5] } }],
      ['metrics.buckets', { metrics: { buckets: [] } }],
      ['metrics.registry', { metrics: { registry: 'default' } }],
      ['correlation.header', { correlation: { header: 42 } }],
      ['correlation.header', { correlation: { header: 'bad header' } }],
      ['correlation.header', { correlation: { header: '' } }],
      ['correlation.echo', { correlation: { echo: 'yes' } }],
      ['logging.slowThresholdMs', { logging: { slowThresholdMs: -1 } }],
      ['logging.slowThresholdMs', { logging: { slowThresholdMs: '1s' } }],
      ['logging.slowThresholdMs', { logging: { slowThresholdMs: Number.NaN } }],
      ['logging.payload', { logging: { payload: 'true' } }],
      ['tracing.eventHandlerTrace', { tracing: { eventHandlerTrace: 'sibling' } }],
      [
        'tracing.eventHandlerTraceByEvent.OrderPlacedEvent',
        { tracing: { eventHandlerTraceByEvent: { OrderPlacedEvent: 'parent' } } },
      ],
      ['tracing.eventHandlerTraceByEvent', { tracing: { eventHandlerTraceByEvent: 'link' } }],
      ['tracing.payload', { tracing: { payload: 1 } }],
      ['tracing.spanFactory', { tracing: { spanFactory: 'otel' } }],
      [
        'tracing.attributeProviders.messageId',
        { tracing: { attributeProviders: { messageId: 'no' } } },
      ],
      ['sentry.shouldCapture', { sentry: { shouldCapture: true } }],
      ['redaction.maxPayloadChars', { redaction: { maxPayloadChars: 10 } }],
      ['redaction.redactFields', { redaction: { redactFields: 'email' } }],
      ['validation.whitelist', { validation: { whitelist: true } }],
    ])('names %s for %p', (option, options) => {
      const error = resolveError(options);
      expect(error.option).toBe(option);
      expect(error.message).toContain(`"${option}"`);
    });

    it('accepts validation.whitelist: false', () => {
      expect(resolveObservabilityOptions({ validation: { whitelist: false } }).validation).toEqual({
        whitelist: false,
      });
    });
  });
});

describe('module startup with invalid options', () => {
  it.each([
    ['tracng', { tracng: true }],
    ['metrics.maxMessageTypes', { metrics: { maxMessageTypes: -5 } }],
    ['correlation.header', { correlation: { header: 'no spaces allowed' } }],
    ['logging.slowThresholdMs', { logging: { slowThresholdMs: 'slow' } }],
    ['tracing.eventHandlerTrace', { tracing: { eventHandlerTrace: 'sibling' } }],
    ['interceptors[1]', { interceptors: [NoopInterceptor, 'nope'] }],
    ['validation.whitelist', { validation: { whitelist: true } }],
  ])('fails with InvalidObservabilityOptionError naming %s', async (option, options) => {
    const startup = createTestApp({ observability: options as CqrsObservabilityModuleOptions });

    await expect(startup).rejects.toBeInstanceOf(InvalidObservabilityOptionError);
    await expect(startup).rejects.toMatchObject({
      option,
      message: expect.stringContaining(`"${option}"`),
    });
  });
});
