import { DynamicModule, Injectable, Module } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import type { TestingModule } from '@nestjs/testing';
import {
  CqrsObservabilityModule,
  HookRegistry,
  InvalidObservabilityOptionError,
  type CqrsInterceptor,
  type CqrsObservabilityModuleOptions,
} from '../../lib';
import { RESOLVED_OPTIONS } from '../../lib/shared/tokens';
import type { ResolvedObservabilityOptions } from '../../lib/options';
import { PlaceOrderCommand, Recorder } from '../fixtures/orders.fixture';
import { createTestApp } from '../utils/create-app';
import { EVERY_SIGNAL_OFF } from '../utils/every-signal-off';

/** Stands in for @nestjs/config: a module whose service hands out values by key. */
@Injectable()
class SettingsService {
  constructor(private readonly values: Record<string, unknown>) {}
  get<T>(key: string): T {
    return this.values[key] as T;
  }
}

@Module({})
class SettingsModule {
  static forRoot(values: Record<string, unknown>): DynamicModule {
    return {
      module: SettingsModule,
      providers: [{ provide: SettingsService, useValue: new SettingsService(values) }],
      exports: [SettingsService],
    };
  }
}

function optionsFrom(settings: SettingsService): CqrsObservabilityModuleOptions {
  return {
    ...EVERY_SIGNAL_OFF,
    correlation: settings.get<boolean>('correlation'),
    interceptors: settings.get<CqrsInterceptor[]>('interceptors'),
  };
}

@Injectable()
class ObservabilityOptionsFactory {
  constructor(private readonly settings: SettingsService) {}
  createCqrsObservabilityOptions(): CqrsObservabilityModuleOptions {
    return optionsFrom(this.settings);
  }
}

function countingInterceptor(): CqrsInterceptor & { count: number } {
  return {
    count: 0,
    operations: ['command.execute.*'],
    intercept(_context, next) {
      this.count++;
      return next();
    },
  };
}

async function placeOrder(app: TestingModule, quantity = 1): Promise<void> {
  await app
    .get(CommandBus)
    .execute(new PlaceOrderCommand({ sku: 's', quantity, mode: 'no-event' }));
}

function correlationSeenByHandler(app: TestingModule): string | undefined {
  const seen = app.get(Recorder).seen.find((entry) => entry.where === 'PlaceOrderHandler');
  expect(seen).toBeDefined();
  return seen!.correlationId;
}

describe('CqrsObservabilityModule.forRootAsync', () => {
  let app: TestingModule | undefined;

  async function start(observabilityModule: DynamicModule): Promise<TestingModule> {
    app = await createTestApp({ observabilityModule });
    return app;
  }

  afterEach(async () => {
    await app?.close();
    app = undefined;
  });

  describe('useFactory with imports and inject', () => {
    it('takes options from an injected config service: correlation off, one interceptor', async () => {
      const counter = countingInterceptor();
      const moduleRef = await start(
        CqrsObservabilityModule.forRootAsync({
          imports: [SettingsModule.forRoot({ correlation: false, interceptors: [counter] })],
          inject: [SettingsService],
          useFactory: optionsFrom,
        }),
      );

      await placeOrder(moduleRef);

      expect(correlationSeenByHandler(moduleRef)).toBeUndefined();
      expect(counter.count).toBe(1);
      const resolved = moduleRef.get<ResolvedObservabilityOptions>(RESOLVED_OPTIONS);
      expect(resolved.correlation).toBe(false);
      expect(Object.isFrozen(resolved)).toBe(true);
    });

    it('takes correlation on from the same factory: the handler sees the flow id', async () => {
      const moduleRef = await start(
        CqrsObservabilityModule.forRootAsync({
          imports: [SettingsModule.forRoot({ correlation: true, interceptors: [] })],
          inject: [SettingsService],
          useFactory: optionsFrom,
        }),
      );

      await placeOrder(moduleRef);

      expect(correlationSeenByHandler(moduleRef)).toEqual(expect.any(String));
    });

    it('awaits an async factory', async () => {
      const counter = countingInterceptor();
      const moduleRef = await start(
        CqrsObservabilityModule.forRootAsync({
          imports: [SettingsModule.forRoot({ correlation: false, interceptors: [counter] })],
          inject: [SettingsService],
          useFactory: async (settings: SettingsService) => {
            await new Promise((resolve) => setImmediate(resolve));
            return optionsFrom(settings);
          },
        }),
      );

      await placeOrder(moduleRef);
      await placeOrder(moduleRef);

      expect(counter.count).toBe(2);
      expect(correlationSeenByHandler(moduleRef)).toBeUndefined();
    });

    it('registers nothing on the message operations when the factory turns every signal off', async () => {
      const moduleRef = await start(
        CqrsObservabilityModule.forRootAsync({ useFactory: () => EVERY_SIGNAL_OFF }),
      );
      const registry = moduleRef.get(HookRegistry);

      expect(registry.hasHooksFor('command.execute.PlaceOrderCommand')).toBe(false);
      expect(registry.hasHooksFor('event.dispatch.OrderPlacedEvent')).toBe(false);
      // validation: false took effect: an invalid command reaches its handler.
      await placeOrder(moduleRef, 0);
      expect(moduleRef.get(Recorder).calls).toEqual(['PlaceOrderHandler']);
    });

    it('keeps the defaults when the factory returns no options', async () => {
      const moduleRef = await start(
        CqrsObservabilityModule.forRootAsync({
          useFactory: () => undefined as unknown as CqrsObservabilityModuleOptions,
        }),
      );

      const resolved = moduleRef.get<ResolvedObservabilityOptions>(RESOLVED_OPTIONS);
      expect(resolved.correlation).toEqual({ header: 'x-correlation-id', echo: true });
      await placeOrder(moduleRef);
      expect(correlationSeenByHandler(moduleRef)).toEqual(expect.any(String));
    });
  });

  describe('useClass', () => {
    it('builds the options factory class with its dependencies and uses its options', async () => {
      const counter = countingInterceptor();
      const moduleRef = await start(
        CqrsObservabilityModule.forRootAsync({
          imports: [SettingsModule.forRoot({ correlation: false, interceptors: [counter] })],
          useClass: ObservabilityOptionsFactory,
        }),
      );

      await placeOrder(moduleRef);

      expect(counter.count).toBe(1);
      expect(correlationSeenByHandler(moduleRef)).toBeUndefined();
    });
  });

  describe('useExisting', () => {
    it('uses an options factory provided by an imported module', async () => {
      const counter = countingInterceptor();

      @Module({
        imports: [SettingsModule.forRoot({ correlation: false, interceptors: [counter] })],
        providers: [ObservabilityOptionsFactory],
        exports: [ObservabilityOptionsFactory],
      })
      class ObservabilityConfigModule {}

      const moduleRef = await start(
        CqrsObservabilityModule.forRootAsync({
          imports: [ObservabilityConfigModule],
          useExisting: ObservabilityOptionsFactory,
        }),
      );

      await placeOrder(moduleRef);

      expect(counter.count).toBe(1);
      expect(correlationSeenByHandler(moduleRef)).toBeUndefined();
    });
  });

  describe('invalid options from the factory', () => {
    it.each([
      ['tracng', { tracng: true }],
      ['metrics.maxMessageTypes', { metrics: { maxMessageTypes: 'many' } }],
      ['interceptors[0]', { interceptors: [42] }],
    ])('fail startup with InvalidObservabilityOptionError naming %s', async (option, options) => {
      const startup = createTestApp({
        observabilityModule: CqrsObservabilityModule.forRootAsync({
          imports: [SettingsModule.forRoot(options)],
          inject: [SettingsService],
          useFactory: async () => options as CqrsObservabilityModuleOptions,
        }),
      });

      await expect(startup).rejects.toBeInstanceOf(InvalidObservabilityOptionError);
      await expect(startup).rejects.toMatchObject({ option });
    });

    it('fails startup through useClass too', async () => {
      @Injectable()
      class BadOptionsFactory {
        createCqrsObservabilityOptions(): CqrsObservabilityModuleOptions {
          return { logging: { slowThresholdMs: -1 } };
        }
      }

      await expect(
        createTestApp({
          observabilityModule: CqrsObservabilityModule.forRootAsync({
            useClass: BadOptionsFactory,
          }),
        }),
      ).rejects.toMatchObject({
        name: 'InvalidObservabilityOptionError',
        option: 'logging.slowThresholdMs',
      });
    });
  });
});
