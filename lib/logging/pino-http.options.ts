import { cqrsLogMixin } from './cqrs-log-mixin';

/** Headers that carry credentials, redacted on the request and the response alike. */
export const CREDENTIAL_HEADERS: ReadonlyArray<string> = Object.freeze([
  'authorization',
  'proxy-authorization',
  'cookie',
  'set-cookie',
  'x-api-key',
  'x-auth-token',
  'x-csrf-token',
  'x-xsrf-token',
]);

/** What replaces a redacted header's value in log lines. */
export const HEADER_CENSOR = '***';

/** Options of the helper itself; every other key is passed to pino-http as it is. */
export interface CqrsPinoHttpHelperOptions {
  /**
   * Bind the whole `req` (method, url, headers — credential headers redacted) to every line
   * logged during a request, CQRS lines included. Off, lines carry only the request id
   * (`reqId`) and the full request appears once, on pino-http's `request completed` line.
   * @default false
   */
  includeRequest?: boolean;
  /** More redaction paths, in pino's syntax (`req.headers["x-tenant-secret"]`). @default [] */
  redactPaths?: string[];
}

/** The pino-http options the helper sets (and merges with yours). */
export interface CqrsPinoHttpSafeOptions {
  mixin: (mergeObject: object, level: number) => object;
  redact: { paths: string[]; censor: string };
  quietReqLogger: boolean;
}

type PassedThrough<T> = Omit<T, keyof CqrsPinoHttpHelperOptions | keyof CqrsPinoHttpSafeOptions>;

/**
 * pino-http options for nestjs-pino that are safe to paste:
 *
 * ```ts
 * LoggerModule.forRoot({ pinoHttp: cqrsPinoHttpOptions() })
 * ```
 *
 * - redacts the credential headers (`authorization`, `proxy-authorization`, `cookie`,
 *   `set-cookie`, `x-api-key`, `x-auth-token`, `x-csrf-token`, `x-xsrf-token`) of `req` and `res`
 *   to `***`, plus your `redactPaths` and any `redact` you pass;
 * - keeps `req` off the lines logged during a request (`quietReqLogger`), CQRS lines included,
 *   unless `includeRequest: true`;
 * - puts `correlation_id`, `causation_id` and `trace_id` on every line (`cqrsLogMixin()`), after
 *   your own `mixin`'s fields.
 *
 * Every other option (`level`, `autoLogging`, `customProps`, …) goes to pino-http unchanged.
 */
export function cqrsPinoHttpOptions<T extends object = Record<never, never>>(
  options?: T & CqrsPinoHttpHelperOptions & { mixin?: unknown; redact?: unknown },
): PassedThrough<T> & CqrsPinoHttpSafeOptions {
  const {
    includeRequest = false,
    redactPaths = [],
    mixin: userMixin,
    redact: userRedact,
    ...rest
  } = (options ?? {}) as CqrsPinoHttpHelperOptions & {
    mixin?: unknown;
    redact?: unknown;
  } & Record<string, unknown>;
  if (typeof includeRequest !== 'boolean') {
    throw new TypeError('cqrsPinoHttpOptions: includeRequest must be a boolean.');
  }
  if (!Array.isArray(redactPaths) || redactPaths.some((path) => typeof path !== 'string')) {
    throw new TypeError('cqrsPinoHttpOptions: redactPaths must be an array of strings.');
  }
  const userPaths = Array.isArray(userRedact)
    ? (userRedact as string[])
    : userRedact !== null && typeof userRedact === 'object'
      ? ((userRedact as { paths?: string[] }).paths ?? [])
      : [];
  const headerPaths = CREDENTIAL_HEADERS.flatMap((header) => [
    `req.headers[${JSON.stringify(header)}]`,
    `res.headers[${JSON.stringify(header)}]`,
  ]);
  const censor =
    userRedact !== null && typeof userRedact === 'object' && !Array.isArray(userRedact)
      ? ((userRedact as { censor?: string }).censor ?? HEADER_CENSOR)
      : HEADER_CENSOR;

  const cqrsMixin = cqrsLogMixin();
  const mixin =
    typeof userMixin === 'function'
      ? (mergeObject: object, level: number): object => ({
          ...cqrsMixin(),
          ...(userMixin as (mergeObject: object, level: number) => object)(mergeObject, level),
        })
      : cqrsMixin;

  return {
    ...(rest as PassedThrough<T>),
    mixin,
    redact: { paths: [...new Set([...headerPaths, ...userPaths, ...redactPaths])], censor },
    quietReqLogger: !includeRequest,
  };
}
