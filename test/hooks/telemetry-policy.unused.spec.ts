import { DEFAULT_TELEMETRY_POLICY } from '../../lib/hooks/telemetry-policy';
import { TelemetryPolicies } from '../../lib/hooks/telemetry-policies';
import { resolveObservabilityOptions } from '../../lib/options';
import { GetOrderQuery } from '../fixtures/orders.fixture';

/** No `@CqrsTelemetry()` anywhere in this file's classes: the resolver must not even look. */
describe('TelemetryPolicies with no policy anywhere', () => {
  it('is inactive and answers the one default object without a lookup', () => {
    const policies = new TelemetryPolicies(resolveObservabilityOptions());
    expect(policies.active).toBe(false);
    expect(policies.policyFor(new GetOrderQuery({ sku: 'x' }), 'GetOrderHandler')).toBe(
      DEFAULT_TELEMETRY_POLICY,
    );
    // The guard: one option entry makes it look.
    const configured = new TelemetryPolicies(
      resolveObservabilityOptions({ telemetry: { messages: { GetOrderQuery: { logs: false } } } }),
    );
    expect(configured.active).toBe(true);
    expect(configured.policyFor(new GetOrderQuery({ sku: 'x' }), undefined).logs).toBe(false);
  });
});
