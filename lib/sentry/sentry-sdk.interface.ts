/**
 * The few members of `@sentry/nestjs` the signal uses, typed here so that no declaration of
 * this package refers to the optional peer.
 */
export interface SentryScopeLike {
  setTags(tags: Record<string, string>): unknown;
  setContext(name: string, context: Record<string, unknown> | null): unknown;
  addEventProcessor?(processor: (event: SentryEventLike) => SentryEventLike | null): unknown;
}

export interface SentryEventLike {
  event_id?: string;
  message?: unknown;
  contexts?: Record<string, unknown>;
  extra?: Record<string, unknown>;
  exception?: { values?: Array<{ value?: unknown }> };
}

export interface SentryTransportResponseLike {
  statusCode?: number;
}

export interface SentryClientLike {
  on?(
    hook: 'afterSendEvent',
    callback: (event: SentryEventLike, response: SentryTransportResponseLike) => void,
  ): (() => void) | void;
}

export interface SentrySdk {
  /** A client exists, is enabled and has a transport. */
  isEnabled(): boolean;
  getClient(): SentryClientLike | undefined;
  withScope<T>(callback: (scope: SentryScopeLike) => T): T;
  captureException(
    exception: unknown,
    hint?: { mechanism?: { type: string; handled: boolean } },
  ): string;
}

/** Whether a loaded module has what the signal needs (a very old or odd build may not). */
export function isSentrySdk(value: unknown): value is SentrySdk {
  if (value === null || typeof value !== 'object') return false;
  const sdk = value as Partial<Record<keyof SentrySdk, unknown>>;
  return (
    typeof sdk.isEnabled === 'function' &&
    typeof sdk.getClient === 'function' &&
    typeof sdk.withScope === 'function' &&
    typeof sdk.captureException === 'function'
  );
}
