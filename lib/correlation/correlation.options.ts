import { assertKnownKeys, optionalBoolean, signalSwitch } from '../shared/options-validation';
import { InvalidObservabilityOptionError } from '../errors/invalid-options.error';
import { DEFAULT_CORRELATION_HEADER } from './correlation.constants';

export interface CorrelationOptions {
  /**
   * HTTP header carrying the correlation id in and out (case-insensitive). `x-request-id` is
   * also accepted on the way in.
   * @default 'x-correlation-id'
   */
  header?: string;
  /**
   * Echo the flow's correlation id on the HTTP response, in `header`.
   * @default true
   */
  echo?: boolean;
}

export interface ResolvedCorrelationOptions {
  readonly header: string;
  readonly echo: boolean;
}

const HEADER_TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

export function resolveCorrelationOptions(
  value: unknown,
  path = 'correlation',
): ResolvedCorrelationOptions | false {
  const options = signalSwitch(value, path);
  if (options === false) return false;
  assertKnownKeys(options, path, ['header', 'echo']);
  const header = options.header ?? DEFAULT_CORRELATION_HEADER;
  if (typeof header !== 'string' || !HEADER_TOKEN.test(header)) {
    throw new InvalidObservabilityOptionError(`${path}.header`, 'an HTTP header name', header);
  }
  return Object.freeze({
    header: header.toLowerCase(),
    echo: optionalBoolean(options.echo, `${path}.echo`, true),
  });
}
