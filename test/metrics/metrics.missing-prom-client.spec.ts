import { Global, Module } from '@nestjs/common';
import { CommandBus, QueryBus } from '@nestjs/cqrs';
import type { TestingModule } from '@nestjs/testing';
import { register } from 'prom-client';
import { HookRegistry } from '../../lib';
import {
  loadOptionalPackage,
  OPTIONAL_PACKAGE_LOADER,
  type OptionalPackageLoader,
} from '../../lib/shared/optional-package';
import { GetOrderQuery, PlaceOrderCommand, Recorder } from '../fixtures/orders.fixture';
import { CapturingLogger, createLoggedTestApp, METRICS_ONLY } from './metrics-app';

/** Resolves `prom-client` to a package that is not installed, the way a real app lacks it. */
function withoutPromClient(): OptionalPackageLoader {
  return <T>(name: string) =>
    loadOptionalPackage<T>(name === 'prom-client' ? 'prom-client-is-not-installed-here' : name);
}

@Global()
@Module({
  providers: [{ provide: OPTIONAL_PACKAGE_LOADER, useFactory: withoutPromClient }],
  exports: [OPTIONAL_PACKAGE_LOADER],
})
class NoPromClientModule {}

describe('metrics without prom-client', () => {
  let logger: CapturingLogger;
  let app: TestingModule;

  beforeEach(async () => {
    logger = new CapturingLogger();
    app = await createLoggedTestApp(
      { ...METRICS_ONLY, correlation: false, validation: false },
      logger,
      [NoPromClientModule],
    );
  });

  afterEach(async () => {
    await app.close();
  });

  it('says so in one line and turns the signal off', async () => {
    expect(logger.matching('warn', 'prom-client')).toEqual([
      'prom-client is not installed: metrics are off',
    ]);
    expect(app.get(HookRegistry).hasHooksFor('command.execute.PlaceOrderCommand')).toBe(false);
    expect(app.get(HookRegistry).hasHooksFor('unhandled_exception.PlaceOrderCommand')).toBe(false);
  });

  it('leaves dispatching and the default registry untouched', async () => {
    const before = register.getMetricsAsArray().length;
    const recorder = app.get(Recorder);
    await expect(
      app.get(CommandBus).execute(new PlaceOrderCommand({ sku: 'A', quantity: 1 })),
    ).resolves.toBe(recorder.result);
    await expect(app.get(QueryBus).execute(new GetOrderQuery({ sku: 'A' }))).resolves.toEqual({
      sku: 'A',
    });
    expect(register.getMetricsAsArray()).toHaveLength(before);
    expect(register.getSingleMetric('cqrs_message_total')).toBeUndefined();
  });
});

describe('metrics with a prom-client that fails to load', () => {
  @Global()
  @Module({
    providers: [
      {
        provide: OPTIONAL_PACKAGE_LOADER,
        useValue: (() => ({
          status: 'failed',
          error: new Error("Cannot find module 'tdigest'"),
        })) as OptionalPackageLoader,
      },
    ],
    exports: [OPTIONAL_PACKAGE_LOADER],
  })
  class BrokenPromClientModule {}

  it('says why in one line and turns the signal off', async () => {
    const logger = new CapturingLogger();
    const app = await createLoggedTestApp(
      { ...METRICS_ONLY, correlation: false, validation: false },
      logger,
      [BrokenPromClientModule],
    );
    try {
      expect(logger.matching('warn', 'prom-client')).toEqual([
        "prom-client could not be loaded (Error: Cannot find module 'tdigest'): metrics are off",
      ]);
      expect(app.get(HookRegistry).hasHooksFor('query.execute.GetOrderQuery')).toBe(false);
      await expect(app.get(QueryBus).execute(new GetOrderQuery({ sku: 'A' }))).resolves.toEqual({
        sku: 'A',
      });
    } finally {
      await app.close();
    }
  });
});
