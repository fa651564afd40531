import type { CqrsObservabilityModuleOptions } from '../../lib';

/** Every signal off, so the only registrations are the ones a test adds. */
export const EVERY_SIGNAL_OFF: CqrsObservabilityModuleOptions = {
  correlation: false,
  validation: false,
  tracing: false,
  metrics: false,
  logging: false,
  sentry: false,
};
