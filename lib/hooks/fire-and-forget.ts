import { FailureReporter } from '../errors/failure-reporter';
import type { HookRegistry } from './hook.registry';
import type { OperationAttributes } from './hook.types';
import { isThenable } from './thenable';

const defaultReporter = new FailureReporter();

/**
 * Emits a notice operation (no work of its own to wrap) to the matching hooks. Never throws
 * and never returns a rejected promise: a failing hook is logged as a warning.
 */
export function fireAndForgetHook(
  registry: HookRegistry,
  operation: string,
  attributes: OperationAttributes,
  reporter: FailureReporter = defaultReporter,
): void {
  try {
    const result = registry.run({ operation, attributes }, noop);
    if (isThenable(result)) {
      result.then(undefined, (error: unknown) => reporter.report(`Hook for "${operation}"`, error));
    }
  } catch (error) {
    reporter.report(`Hook for "${operation}"`, error);
  }
}

function noop(): undefined {
  return undefined;
}
