import { describeError } from '../errors/describe-error';

/** What loading an optional peer dependency gave. */
export type OptionalPackage<T> =
  | { readonly status: 'loaded'; readonly module: T }
  | { readonly status: 'missing' }
  | { readonly status: 'failed'; readonly error: unknown };

/**
 * `require`s an optional peer without ever throwing. A package that is not installed is
 * `missing`; one that is installed but breaks while loading (a missing dependency of its
 * own, an incompatible version) is `failed`, so the startup line can tell them apart.
 */
export function loadOptionalPackage<T>(name: string): OptionalPackage<T> {
  try {
    return { status: 'loaded', module: require(name) as T };
  } catch (error) {
    return isNotFound(error, name) ? { status: 'missing' } : { status: 'failed', error };
  }
}

function isNotFound(error: unknown, name: string): boolean {
  if (error === null || typeof error !== 'object') return false;
  const { code, message } = error as { code?: unknown; message?: unknown };
  // Node reports the package it could not resolve first; a nested missing module means the
  // package itself is there but broken.
  return (
    code === 'MODULE_NOT_FOUND' &&
    typeof message === 'string' &&
    message.startsWith(`Cannot find module '${name}'`)
  );
}

/** Where the startup line of an optional peer that did not load goes. */
export interface StartupLogger {
  log(message: string): void;
  warn(message: string): void;
}

/**
 * Says, in one startup line, why an optional peer is not used and what is off because of it:
 * `log` when it is not installed (an app may leave any optional peer out), `warn` when it is
 * installed but does not load or does not look like itself.
 */
export function reportUnavailable(
  logger: StartupLogger,
  name: string,
  outcome: Exclude<OptionalPackage<unknown>, { status: 'loaded' }> | { status: 'unexpected' },
  consequence: string,
): void {
  if (outcome.status === 'missing') {
    logger.log(`${name} is not installed: ${consequence}`);
    return;
  }
  const reason = outcome.status === 'failed' ? describeError(outcome.error) : 'unexpected exports';
  logger.warn(`${name} could not be loaded (${reason}): ${consequence}`);
}

/**
 * Loads optional peer `name` when a signal initialises, `isUsable` checking what it exports;
 * when it is not there or not usable, reports it (`reportUnavailable`) and returns undefined.
 */
export function loadOptionalPeer<T>(
  name: string,
  consequence: string,
  logger: StartupLogger,
  isUsable: (module: T) => boolean = () => true,
): T | undefined {
  const loaded = loadOptionalPackage<T>(name);
  if (loaded.status === 'loaded' && isUsable(loaded.module)) return loaded.module;
  reportUnavailable(
    logger,
    name,
    loaded.status === 'loaded' ? { status: 'unexpected' } : loaded,
    consequence,
  );
  return undefined;
}
