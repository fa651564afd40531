import { InvalidObservabilityOptionError } from '../errors/invalid-options.error';

/** What replaces the value of a redacted field. */
export const REDACTION_MARKER = '***';

/** Appended to serialized payloads cut at `maxPayloadChars`. */
export const TRUNCATION_SUFFIX = '...<truncated>';

/** Default for {@link RedactionOptions.maxPayloadChars}. */
export const DEFAULT_MAX_PAYLOAD_CHARS = 4096;

/**
 * Keys hidden by default at any depth. Matched case-insensitively on the whole key, so `Email`
 * is hidden but `emailVerified` is not.
 */
export const DEFAULT_SENSITIVE_FIELDS: ReadonlyArray<string> = Object.freeze([
  'password',
  'passphrase',
  'secret',
  'token',
  'access_token',
  'refresh_token',
  'authorization',
  'api_key',
  'private_key',
  'email',
  'phone',
  'address',
  'ssn',
  'card_number',
  'cvv',
]);

/**
 * Below this a truncated payload would be mostly suffix and markers, which helps nobody.
 */
const MIN_MAX_PAYLOAD_CHARS = 32;

/**
 * How message payloads are turned into safe JSON for span events, log lines and Sentry contexts.
 *
 * Field entries of `redactFields`, `hashFields` and `sensitiveFields` follow one rule: an entry
 * without a dot matches a key at any depth, case-insensitively, on the whole key (`email` matches
 * `Email`, not `emailVerified`); an entry with dots matches that exact path from the payload root
 * (case-insensitive per segment, array elements transparent: `items.sku`). A matching key hides
 * its whole value, whether object, array or primitive.
 */
export interface RedactionOptions {
  /**
   * Allowlist of dotted paths from the payload root. When non-empty, only these fields are kept
   * and everything else is omitted: `customer.id` keeps only `id` under `customer`, `customer`
   * keeps the whole `customer` subtree (still redacted inside). Array elements are transparent:
   * `items.sku` keeps `sku` in each element of `items`. Segments match case-insensitively.
   * @default [] (every field is kept)
   */
  includeFields?: string[];

  /**
   * Fields whose value is replaced by `***`, in addition to `sensitiveFields`.
   * @default []
   */
  redactFields?: string[];

  /**
   * Fields whose value is replaced by `sha256:<hex>`: the SHA-256 of the string itself, of
   * `String(value)` for other primitives, or of the redacted JSON for objects and arrays. Lets
   * two spans be correlated on a value without revealing it. Hashing wins over `redactFields`
   * and `sensitiveFields`.
   * @default []
   */
  hashFields?: string[];

  /**
   * Fields always replaced by `***`. Giving this list replaces the defaults rather than
   * extending them (spread `DEFAULT_SENSITIVE_FIELDS` to extend); `[]` turns them off.
   * @default DEFAULT_SENSITIVE_FIELDS (password, passphrase, secret, token, access_token,
   * refresh_token, authorization, api_key, private_key, email, phone, address, ssn, card_number,
   * cvv)
   */
  sensitiveFields?: string[];

  /**
   * Longest serialized payload kept, in UTF-16 code units. Longer JSON is cut to this many
   * characters and suffixed `...<truncated>`. An integer >= 32.
   * @default 4096
   */
  maxPayloadChars?: number;
}

/** {@link RedactionOptions} with every default applied; frozen, arrays included. */
export interface ResolvedRedactionOptions {
  readonly includeFields: ReadonlyArray<string>;
  readonly redactFields: ReadonlyArray<string>;
  readonly hashFields: ReadonlyArray<string>;
  readonly sensitiveFields: ReadonlyArray<string>;
  readonly maxPayloadChars: number;
}

const NO_FIELDS: ReadonlyArray<string> = Object.freeze([]);

type FieldListOption = 'includeFields' | 'redactFields' | 'hashFields' | 'sensitiveFields';

// Resolution is idempotent; remembering our own results lets module code hand a resolved object
// to `new RedactionPolicy()` without validating it twice.
const resolvedResults = new WeakSet<object>();

const KNOWN_OPTIONS: ReadonlyArray<keyof RedactionOptions> = [
  'includeFields',
  'redactFields',
  'hashFields',
  'sensitiveFields',
  'maxPayloadChars',
];

/**
 * Validates redaction options and applies the defaults; the single place defaults live.
 *
 * @param optionPath prefix used in error messages, so a nested `forRoot({ redaction })` reports
 *   `redaction.maxPayloadChars`.
 * @throws InvalidObservabilityOptionError on an unknown key or an ill-typed value. `undefined`
 *   values mean "use the default".
 */
export function resolveRedactionOptions(
  options?: RedactionOptions | ResolvedRedactionOptions,
  optionPath = 'redaction',
): ResolvedRedactionOptions {
  if (options === undefined) return resolveValidated({}, optionPath);
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw new InvalidObservabilityOptionError(optionPath, 'an object', options);
  }
  if (resolvedResults.has(options)) return options as ResolvedRedactionOptions;
  for (const key of Object.keys(options)) {
    if (!(KNOWN_OPTIONS as ReadonlyArray<string>).includes(key)) {
      throw new InvalidObservabilityOptionError(
        `${optionPath}.${key}`,
        `a known option (${KNOWN_OPTIONS.join(', ')})`,
        (options as Record<string, unknown>)[key],
      );
    }
  }
  return resolveValidated(options as RedactionOptions, optionPath);
}

function resolveValidated(options: RedactionOptions, optionPath: string): ResolvedRedactionOptions {
  const resolved: ResolvedRedactionOptions = Object.freeze({
    includeFields: fieldList(options, 'includeFields', optionPath, NO_FIELDS),
    redactFields: fieldList(options, 'redactFields', optionPath, NO_FIELDS),
    hashFields: fieldList(options, 'hashFields', optionPath, NO_FIELDS),
    sensitiveFields: fieldList(options, 'sensitiveFields', optionPath, DEFAULT_SENSITIVE_FIELDS),
    maxPayloadChars: maxPayloadChars(options.maxPayloadChars, `${optionPath}.maxPayloadChars`),
  });
  resolvedResults.add(resolved);
  return resolved;
}

function fieldList(
  options: RedactionOptions,
  name: FieldListOption,
  optionPath: string,
  fallback: ReadonlyArray<string>,
): ReadonlyArray<string> {
  const value: unknown = options[name];
  const path = `${optionPath}.${name}`;
  if (value === undefined) return fallback;
  if (!Array.isArray(value)) {
    throw new InvalidObservabilityOptionError(path, 'an array of field paths', value);
  }
  value.forEach((entry: unknown, index) => {
    if (typeof entry !== 'string' || entry.split('.').some((segment) => segment.length === 0)) {
      throw new InvalidObservabilityOptionError(
        `${path}[${index}]`,
        'a non-empty field name or dotted path without empty segments',
        entry,
      );
    }
  });
  // A copy, so later mutation of the caller's array cannot change a running policy.
  return Object.freeze([...new Set(value as string[])]);
}

function maxPayloadChars(value: unknown, path: string): number {
  if (value === undefined) return DEFAULT_MAX_PAYLOAD_CHARS;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < MIN_MAX_PAYLOAD_CHARS) {
    throw new InvalidObservabilityOptionError(
      path,
      `a positive integer >= ${MIN_MAX_PAYLOAD_CHARS}`,
      value,
    );
  }
  return value;
}
