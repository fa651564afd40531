import { assertKnownKeys, optionalFunction, signalSwitch } from '../shared/options-validation';
import type { OperationAttributes } from '../hooks/hook.types';

/** What `shouldCapture` is told about a failure. */
export interface SentryCaptureContext {
  readonly operation: string;
  readonly attributes: OperationAttributes;
}

export interface SentryOptions {
  /**
   * Decides whether a failure is sent to Sentry.
   * @default skip `HttpException`s with a status below 500
   */
  shouldCapture?: (error: unknown, context: SentryCaptureContext) => boolean;
}

export interface ResolvedSentryOptions {
  readonly shouldCapture: ((error: unknown, context: SentryCaptureContext) => boolean) | undefined;
}

export function resolveSentryOptions(
  value: unknown,
  path = 'sentry',
): ResolvedSentryOptions | false {
  const options = signalSwitch(value, path);
  if (options === false) return false;
  assertKnownKeys(options, path, ['shouldCapture']);
  return Object.freeze({
    shouldCapture: optionalFunction<ResolvedSentryOptions['shouldCapture'] & object>(
      options.shouldCapture,
      `${path}.shouldCapture`,
    ),
  });
}
