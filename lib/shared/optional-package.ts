/** What loading an optional peer dependency gave. */
export type OptionalPackage<T> =
  | { readonly status: 'loaded'; readonly module: T }
  | { readonly status: 'missing' }
  | { readonly status: 'failed'; readonly error: unknown };

/** Loads an optional peer; a signal calls it when it initialises, never at import time. */
export type OptionalPackageLoader = <T>(name: string) => OptionalPackage<T>;

/**
 * DI token of the loader the signals use. The module does not provide it, so the signals fall
 * back to `loadOptionalPackage`; a global provider can replace it (tests simulate a missing
 * package by pointing a name at one that does not exist).
 */
export const OPTIONAL_PACKAGE_LOADER = Symbol('cqrs-observability.optional-package-loader');

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
