import {
  BaseCommand,
  BaseEvent,
  CqrsObservabilityModule,
  type CqrsObservabilityModuleOptions,
  CqrsTelemetry,
  EventHandlerTrace,
  InvalidObservabilityOptionError,
  type TelemetryClass,
  type TelemetryPolicy,
} from '../../lib';
import type { LoggerService } from '@nestjs/common';
import { DEFAULT_TELEMETRY_POLICY } from '../../lib/hooks/telemetry-policy';
import { TelemetryPolicies } from '../../lib/hooks/telemetry-policies';
import { resolveObservabilityOptions } from '../../lib/options';
import { GetOrderQuery } from '../fixtures/orders.fixture';
import { compileTestApp } from '../utils/compile-test-app';
import { createTestApp } from '../utils/create-app';

class UnregisteredCommand extends BaseCommand<void> {}

const policiesFor = (telemetry: unknown, tracing?: unknown) =>
  new TelemetryPolicies(
    resolveObservabilityOptions({ telemetry, ...(tracing === undefined ? {} : { tracing }) }),
  );

/** Applies `@CqrsTelemetry(policy)` to a fresh class named `name`. */
function decorate(name: string, policy: unknown): void {
  const type = { [name]: class {} }[name]!;
  CqrsTelemetry(policy as TelemetryPolicy)(type);
}

describe('@CqrsTelemetry: the argument is checked when the class is defined', () => {
  it.each([
    [
      'tracing',
      { tracing: 'no' },
      /@CqrsTelemetry\(\) on NoisyQuery: "tracing" must be a boolean, received "no"/,
    ],
    ['payload', { payload: 0 }, /"payload" must be a boolean, received 0/],
    ['metrics', { metrics: null }, /"metrics" must be a boolean, received null/],
    ['logs', { logs: 'off' }, /"logs" must be a boolean/],
    ['sentry', { sentry: {} }, /"sentry" must be a boolean, received an object/],
    [
      'logLevel',
      { logLevel: 'verbose' },
      /"logLevel" must be one of 'debug', 'info', 'warn', received "verbose"/,
    ],
    [
      'slowThresholdMs',
      { slowThresholdMs: -1 },
      /"slowThresholdMs" must be a number >= 0, received -1/,
    ],
    [
      'slowThresholdMs NaN',
      { slowThresholdMs: Number.NaN },
      /"slowThresholdMs" must be a number >= 0/,
    ],
    ['trace', { trace: 'sibling' }, /"trace" must be one of 'child', 'link', received "sibling"/],
    [
      'an unknown field',
      { tracng: false },
      /"tracng" must be one of the known fields \(tracing, payload, metrics, logs, sentry, logLevel, slowThresholdMs, trace\)/,
    ],
    [
      'not an object',
      'off',
      /@CqrsTelemetry\(\) on NoisyQuery: the policy must be an object, received "off"/,
    ],
    ['an array', [], /the policy must be an object, received an array/],
  ])('%s', (_case, policy, message) => {
    expect(() => decorate('NoisyQuery', policy)).toThrow(TypeError);
    expect(() => decorate('NoisyQuery', policy)).toThrow(message);
  });

  it('accepts every field at once, and no field at all', () => {
    expect(() =>
      decorate('FullPolicy', {
        tracing: false,
        payload: false,
        metrics: false,
        logs: false,
        sentry: false,
        logLevel: 'debug',
        slowThresholdMs: 500,
        trace: 'link',
      }),
    ).not.toThrow();
    expect(() => decorate('EmptyPolicy', {})).not.toThrow();
  });

  it('refuses a field set twice on one class, by @EventHandlerTrace and @CqrsTelemetry', () => {
    expect(() => {
      @EventHandlerTrace('link')
      @CqrsTelemetry({ trace: 'child' })
      class TwiceEvent extends BaseEvent {}
      return TwiceEvent;
    }).toThrow(/@EventHandlerTrace\(\) on TwiceEvent: "trace" is already declared/);
  });
});

describe('telemetry option: checked at startup, each error naming its path', () => {
  it.each([
    ['telemetry', false, /"telemetry": expected an object or true/],
    ['telemetry', 'on', /"telemetry": expected an object/],
    [
      'telemetry.message',
      { message: {} },
      /"telemetry.message": expected one of the known options \(messages, handlers\)/,
    ],
    [
      'telemetry.messages',
      { messages: [] },
      /"telemetry.messages": expected a Map of classes \(or class names\) to policies/,
    ],
    ['telemetry.handlers', { handlers: 'x' }, /"telemetry.handlers": expected a Map/],
    [
      'telemetry.messages.GetOrderQuery.logLevel',
      { messages: { GetOrderQuery: { logLevel: 'trace' } } },
      /"telemetry.messages.GetOrderQuery.logLevel": expected one of 'debug', 'info', 'warn', received "trace"/,
    ],
    [
      'telemetry.messages[GetOrderQuery].metrics',
      { messages: new Map([[GetOrderQuery, { metrics: 'no' }]]) },
      /"telemetry.messages\[GetOrderQuery\].metrics": expected a boolean, received "no"/,
    ],
    [
      'telemetry.handlers.OrderSaga',
      { handlers: { OrderSaga: true } },
      /"telemetry.handlers.OrderSaga": expected an object, received true/,
    ],
    [
      'telemetry.handlers.OrderSaga.trace',
      { handlers: { OrderSaga: { trace: 'root' } } },
      /"telemetry.handlers.OrderSaga.trace"/,
    ],
    [
      'a key that is neither class nor name',
      { messages: new Map([[42, {}]]) },
      /"telemetry.messages": expected keys that are classes or class names, received 42/,
    ],
    [
      'a class and its name both',
      {
        messages: new Map<unknown, TelemetryPolicy>([
          [GetOrderQuery, {}],
          ['GetOrderQuery', { logs: false }],
        ]),
      },
      /"telemetry.messages.GetOrderQuery": expected one entry for GetOrderQuery \(it is given as a class and as a name\)/,
    ],
  ])('%s', (_case, telemetry, message) => {
    expect(() => resolveObservabilityOptions({ telemetry })).toThrow(
      InvalidObservabilityOptionError,
    );
    expect(() => resolveObservabilityOptions({ telemetry })).toThrow(message);
  });

  it('refuses a trace shape for one event both in eventHandlerTraceByEvent and in telemetry.messages', () => {
    expect(() =>
      resolveObservabilityOptions({
        tracing: { eventHandlerTraceByEvent: { OrderPlacedEvent: 'link' } },
        telemetry: { messages: { OrderPlacedEvent: { trace: 'child' } } },
      }),
    ).toThrow(/"tracing.eventHandlerTraceByEvent.OrderPlacedEvent"/);
  });

  it('fails the application at startup through forRoot', async () => {
    await expect(
      createTestApp({
        observabilityModule: CqrsObservabilityModule.forRoot({
          telemetry: { handlers: { OrderSaga: { slowThresholdMs: '5' as never } } },
        }),
      }),
    ).rejects.toThrow(
      /"telemetry.handlers.OrderSaga.slowThresholdMs": expected a number >= 0, received "5"/,
    );
  });
});

describe('TelemetryPolicies: resolved once per class, frozen, field by field', () => {
  @CqrsTelemetry({ logLevel: 'warn', payload: false })
  class BaseAudited extends BaseCommand<void> {}
  @CqrsTelemetry({ logLevel: 'debug' })
  class AuditedCommand extends BaseAudited {}
  class PlainAudited extends BaseAudited {}
  @CqrsTelemetry({ metrics: false, slowThresholdMs: 10 })
  class AuditHandler {}

  it('answers one frozen object per class and handler, the same at every call', () => {
    const policies = policiesFor({ messages: new Map([[AuditedCommand, { tracing: false }]]) });
    const first = policies.telemetryPolicyOf(AuditedCommand);
    expect(Object.isFrozen(first)).toBe(true);
    expect(policies.telemetryPolicyOf(AuditedCommand)).toBe(first);
    expect(policies.policyFor(new AuditedCommand({}), undefined)).toBe(first);
    policies.noteHandler('AuditHandler', AuditHandler);
    const handled = policies.telemetryPolicyOf(AuditedCommand, 'AuditHandler');
    expect(policies.telemetryPolicyOf(AuditedCommand, 'AuditHandler')).toBe(handled);
    expect(Object.isFrozen(handled)).toBe(true);
  });

  it('merges the layers field by field, the nearest decorated base filling what a class leaves out', () => {
    const policies = policiesFor({ messages: new Map([[AuditedCommand, { tracing: false }]]) });
    policies.noteHandler('AuditHandler', AuditHandler);
    expect(policies.telemetryPolicyOf(AuditedCommand, 'AuditHandler')).toEqual({
      ...DEFAULT_TELEMETRY_POLICY,
      tracing: false, // message option
      logLevel: 'debug', // message decorator, over its base's warn
      payload: false, // the base's decorator
      metrics: false, // handler decorator
      slowThresholdMs: 10, // handler decorator
    });
    // A class key matches that class only; a subclass inherits decorators, not option entries.
    expect(policies.telemetryPolicyOf(PlainAudited)).toEqual({
      ...DEFAULT_TELEMETRY_POLICY,
      logLevel: 'warn',
      payload: false,
    });
  });

  it('reads handler options by class and by name, over the handler decorator', () => {
    const byClass = policiesFor({ handlers: new Map([[AuditHandler, { metrics: true }]]) });
    byClass.noteHandler('AuditHandler', AuditHandler);
    expect(byClass.telemetryPolicyOf(PlainAudited, 'AuditHandler').metrics).toBe(true);
    const byName = policiesFor({ handlers: { AuditHandler: { slowThresholdMs: 99 } } });
    // A handler never registered (a hand-made operation) still matches by name.
    expect(byName.telemetryPolicyOf(undefined, 'AuditHandler').slowThresholdMs).toBe(99);
  });

  it('takes tracing.eventHandlerTraceByEvent as the trace field of the message option', () => {
    class ShapedEvent extends BaseEvent {}
    const policies = policiesFor(
      { messages: { ShapedEvent: { logs: false } } },
      { eventHandlerTraceByEvent: { ShapedEvent: 'link' } },
    );
    expect(policies.telemetryPolicyOf(ShapedEvent)).toMatchObject({ logs: false, trace: 'link' });
  });

  it('answers the defaults for values that have no class', () => {
    const policies = policiesFor({ messages: { GetOrderQuery: { logs: false } } });
    expect(policies.policyFor(null, undefined)).toBe(DEFAULT_TELEMETRY_POLICY);
    expect(policies.policyFor(Object.create(null), undefined)).toBe(DEFAULT_TELEMETRY_POLICY);
    expect(policies.policyFor(new GetOrderQuery({ sku: 'x' }), undefined).logs).toBe(false);
  });
});

describe('telemetry option from a file, through forRootAsync', () => {
  it('reads policies by class name from parsed JSON', async () => {
    const file =
      '{ "telemetry": { "messages": { "GetOrderQuery": { "logs": false, "logLevel": "debug" } } } }';
    const app = await createTestApp({
      observabilityModule: CqrsObservabilityModule.forRootAsync({
        useFactory: () => JSON.parse(file) as CqrsObservabilityModuleOptions,
      }),
    });
    try {
      const policies = app.get(TelemetryPolicies, { strict: false });
      expect(policies.policyFor(new GetOrderQuery({ sku: 'x' }), 'GetOrderHandler')).toMatchObject({
        logs: false,
        logLevel: 'debug',
        tracing: true,
      });
    } finally {
      await app.close();
    }
  });
});

describe('telemetry option entries that match nothing registered', () => {
  it('are named in one startup warning each; matching entries are not', async () => {
    const warnings: string[] = [];
    const logger: LoggerService = {
      log: () => undefined,
      error: () => undefined,
      warn: (message: unknown) => void warnings.push(String(message)),
    };
    const app = await compileTestApp({
      observability: {
        telemetry: {
          messages: new Map<TelemetryClass | string, TelemetryPolicy>([
            ['GetOrderQuery', { logs: false }],
            ['GetOrdrQuery', { logs: false }],
            [UnregisteredCommand, { metrics: false }],
          ]),
          handlers: { OrderSaga: { tracing: false }, OrderSgaa: { tracing: false } },
        },
      },
    });
    app.useLogger(logger);
    await app.init();
    await app.close();
    const telemetry = warnings.filter((line) => line.startsWith('telemetry.'));
    expect(telemetry.sort()).toEqual([
      'telemetry.handlers.OrderSgaa: no handler or saga of that name is registered',
      'telemetry.messages.GetOrdrQuery: no registered handler takes that message (fine for an event only sagas take, or none)',
      'telemetry.messages[UnregisteredCommand]: no registered handler takes that message (fine for an event only sagas take, or none)',
    ]);
  });
});
