import { InvalidObservabilityOptionError } from '../errors/invalid-options.error';
import {
  assertKnownKeys,
  optionalBoolean,
  optionalNumber,
  signalSwitch,
} from '../shared/options-validation';
import { DEFAULT_TENANT_HEADER, DEFAULT_TENANT_MESSAGE_FIELD } from './correlation.constants';

export interface TenantOptions {
  /**
   * HTTP header carrying the tenant id in (and out, with `echo`), case-insensitive; `false`
   * reads no header.
   * @default 'x-tenant-id'
   */
  header?: string | false;
  /**
   * Echo the accepted tenant id of the request on the HTTP response, in `header`.
   * @default true
   */
  echo?: boolean;
  /**
   * Key of the application's own nestjs-cls store holding the tenant id (set by an auth
   * guard, say: `cls.set('tenantId', user.tenantId)`). It wins over the header.
   * @default undefined (not read)
   */
  fromCls?: string | symbol;
  /**
   * Message field holding the message's own tenant id; it wins over everything else. `false`
   * reads no field.
   * @default 'tenantId'
   */
  fromMessage?: string | false;
  /**
   * Count each command, query, event handler and saga step per tenant in
   * `cqrs_tenant_messages_total` and `cqrs_tenant_message_duration_seconds` (label `tenant`).
   * Needs the metrics signal.
   * @default false
   */
  metricLabel?: boolean;
  /**
   * Most distinct `tenant` label values; later tenants are labelled `_other`.
   * @default 100
   */
  maxMetricTenants?: number;
}

export interface ResolvedTenantOptions {
  readonly header: string | false;
  readonly echo: boolean;
  readonly fromCls: string | symbol | undefined;
  readonly fromMessage: string | false;
  readonly metricLabel: boolean;
  readonly maxMetricTenants: number;
}

const HEADER_TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const KNOWN = ['header', 'echo', 'fromCls', 'fromMessage', 'metricLabel', 'maxMetricTenants'];

/** Off unless asked for: `tenant: true` or an object turns it on. */
export function resolveTenantOptions(
  value: unknown,
  path = 'tenant',
): ResolvedTenantOptions | false {
  if (value === undefined) return false;
  const options = signalSwitch(value, path);
  if (options === false) return false;
  assertKnownKeys(options, path, KNOWN);
  const header = options.header ?? DEFAULT_TENANT_HEADER;
  if (header !== false && (typeof header !== 'string' || !HEADER_TOKEN.test(header))) {
    throw new InvalidObservabilityOptionError(
      `${path}.header`,
      'an HTTP header name or false',
      header,
    );
  }
  const fromCls = options.fromCls;
  if (
    fromCls !== undefined &&
    typeof fromCls !== 'symbol' &&
    (typeof fromCls !== 'string' || fromCls === '')
  ) {
    throw new InvalidObservabilityOptionError(
      `${path}.fromCls`,
      'a nestjs-cls key (a non-empty string or a symbol)',
      fromCls,
    );
  }
  const fromMessage = options.fromMessage ?? DEFAULT_TENANT_MESSAGE_FIELD;
  if (fromMessage !== false && (typeof fromMessage !== 'string' || fromMessage === '')) {
    throw new InvalidObservabilityOptionError(
      `${path}.fromMessage`,
      'a message field name or false',
      fromMessage,
    );
  }
  return Object.freeze({
    header: header === false ? false : header.toLowerCase(),
    echo: optionalBoolean(options.echo, `${path}.echo`, true),
    fromCls: fromCls as string | symbol | undefined,
    fromMessage: fromMessage as string | false,
    metricLabel: optionalBoolean(options.metricLabel, `${path}.metricLabel`, false),
    maxMetricTenants: optionalNumber(options.maxMetricTenants, `${path}.maxMetricTenants`, 100, {
      min: 1,
      max: 10_000,
      integer: true,
    }),
  });
}
