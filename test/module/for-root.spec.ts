import { CommandBus } from '@nestjs/cqrs';
import type { TestingModule } from '@nestjs/testing';
import { CqrsObservabilityModule, InvalidObservabilityOptionError } from '../../lib';
import { RESOLVED_OPTIONS } from '../../lib/shared/tokens';
import { resolveObservabilityOptions, type ResolvedObservabilityOptions } from '../../lib/options';
import { PlaceOrderCommand, Recorder } from '../fixtures/orders.fixture';
import { createTestApp } from '../utils/create-app';

describe('CqrsObservabilityModule.forRoot() as the README writes it', () => {
  let app: TestingModule | undefined;
  afterEach(async () => {
    await app?.close();
    app = undefined;
  });

  it('means every default and instruments the buses', async () => {
    app = await createTestApp({
      observabilityModule: CqrsObservabilityModule.forRoot(),
    });
    const resolved = app.get<ResolvedObservabilityOptions>(RESOLVED_OPTIONS);
    expect(resolved).toEqual(resolveObservabilityOptions({}));
    expect(resolved.tracing).not.toBe(false);
    const recorder = app.get(Recorder);
    const result = await app
      .get(CommandBus)
      .execute(new PlaceOrderCommand({ sku: 'sku-1', quantity: 2, correlationId: 'flow-1' }));
    expect(result).toBe(recorder.result);
    expect(recorder.seen).toContainEqual(
      expect.objectContaining({ where: 'PlaceOrderHandler', correlationId: 'flow-1' }),
    );
  });

  it('accepts an explicit undefined from JavaScript callers', () => {
    expect(CqrsObservabilityModule.forRoot(undefined).module).toBe(CqrsObservabilityModule);
  });
});

describe('CqrsObservabilityModule.forRootAsync() without a source', () => {
  it.each([
    ['nothing', undefined, /forRootAsync.*useFactory, useClass, useExisting.*forRoot\(\)/],
    ['an empty object', {}, /exactly one of useFactory, useClass, useExisting/],
    [
      'two sources',
      { useFactory: () => ({}), useExisting: Object },
      /exactly one of .*received "useFactory and useExisting"/,
    ],
    [
      'a factory that is not a function',
      { useFactory: 'config' },
      /forRootAsync\.useFactory.*a function/,
    ],
  ])('fails at the call with %s, saying what to pass', (_label, options, message) => {
    const call = (): unknown => CqrsObservabilityModule.forRootAsync(options as never);
    expect(call).toThrow(InvalidObservabilityOptionError);
    expect(call).toThrow(message);
  });
});
