import { Test } from '@nestjs/testing';
import { CqrsModule } from '@nestjs/cqrs';
import {
  CqrsObservabilityModule,
  type CqrsObservabilityModuleOptions,
  getContextVars,
  getTenantId,
  InvalidObservabilityOptionError,
  runWithContext,
} from '../../lib';

async function compile(options: CqrsObservabilityModuleOptions): Promise<unknown> {
  const app = await Test.createTestingModule({
    imports: [CqrsModule.forRoot(), CqrsObservabilityModule.forRoot(options)],
  }).compile();
  await app.close();
  return app;
}

describe('tenant options', () => {
  it.each([
    [{ tenant: { header: 'x tenant' } }, 'tenant.header'],
    [{ tenant: { header: 42 } }, 'tenant.header'],
    [{ tenant: { fromCls: '' } }, 'tenant.fromCls'],
    [{ tenant: { fromMessage: 7 } }, 'tenant.fromMessage'],
    [{ tenant: { metricLabel: 'yes' } }, 'tenant.metricLabel'],
    [{ tenant: { maxMetricTenants: 0 } }, 'tenant.maxMetricTenants'],
    [{ tenant: { tenantHeader: 'x' } }, 'tenant.tenantHeader'],
    [{ tenant: 'acme' }, 'tenant'],
    [{ tenant: { metricLabel: true }, metrics: false }, 'tenant.metricLabel'],
  ])('refuses %j, naming %s', async (options, option) => {
    const failure = await compile(options as CqrsObservabilityModuleOptions).catch(
      (error: unknown) => error,
    );
    expect(failure).toBeInstanceOf(InvalidObservabilityOptionError);
    expect((failure as InvalidObservabilityOptionError).option).toBe(option);
    expect((failure as Error).message).toContain(`"${option}"`);
  });

  it('accepts the documented shapes', async () => {
    for (const tenant of [
      true,
      false,
      { header: 'X-Org-Id', fromCls: 'tenantId', fromMessage: 'orgId', metricLabel: true },
      { header: false as const, fromMessage: false as const, fromCls: Symbol('tenant') },
    ]) {
      await expect(compile({ tenant })).resolves.toBeDefined();
    }
  });
});

describe('tenant in background work', () => {
  it('runWithContext and getContextVars carry tenantId; a bad one is refused by name', () => {
    expect(getTenantId()).toBeUndefined();
    const inner = runWithContext({ correlationId: 'flow-1', tenantId: 'acme' }, () => ({
      tenant: getTenantId(),
      vars: getContextVars(),
    }));
    expect(inner).toEqual({
      tenant: 'acme',
      vars: { correlationId: 'flow-1', tenantId: 'acme' },
    });
    expect(() => runWithContext({ tenantId: 'a b' }, () => undefined)).toThrow(/tenantId/);
  });
});
