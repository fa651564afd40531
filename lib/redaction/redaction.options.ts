import { InvalidObservabilityOptionError } from '../errors/invalid-options.error';
import { sameFieldName } from './key-matcher';
import { keyWords } from './key-words';
import { splitFieldPath } from './redaction.path-tree';

/** What replaces the value of a redacted field. */
export const REDACTION_MARKER = '***';

/** Appended to serialized payloads cut at `maxPayloadChars`. */
export const TRUNCATION_SUFFIX = '...<truncated>';

/** Default for {@link RedactionOptions.maxPayloadChars}. */
export const DEFAULT_MAX_PAYLOAD_CHARS = 4096;

/**
 * Keys hidden by default at any depth, under the matching rule of {@link RedactionOptions}: an
 * entry matches a key whose trailing words are the entry's words, whatever the case, separators
 * or camelCase (`api_key` hides `apiKey`, `X-API-Key` and `stripeApiKey`; `token` hides
 * `sessionToken`, not `tokenCount`).
 */
export const DEFAULT_SENSITIVE_FIELDS: ReadonlyArray<string> = Object.freeze([
  'password',
  'passwd',
  'pwd',
  'passphrase',
  'secret',
  'client_secret',
  'token',
  'access_token',
  'refresh_token',
  'id_token',
  'auth',
  'authorization',
  'proxy_authorization',
  'credentials',
  'bearer',
  'jwt',
  'cookie',
  'cookies',
  'session',
  'session_id',
  'api_key',
  'private_key',
  'signature',
  'otp',
  'pin',
  'email',
  'mail',
  'phone',
  'phone_number',
  'mobile',
  'address',
  'ssn',
  'dob',
  'date_of_birth',
  'birth_date',
  'iban',
  'account_number',
  'credit_card',
  'card',
  'card_number',
  'pan',
  'cvc',
  'cvv',
]);

/**
 * Audit fields hashed by default (`sha256:<hex>`) in every sink: who asked is personal data, yet
 * a search by its hash must still find the flow.
 */
export const DEFAULT_PERSONAL_FIELDS: ReadonlyArray<string> = Object.freeze(['requested_by']);

/** The built-in detectors of secret-shaped text, by name. */
export type ValueDetectorName = 'email' | 'credentials' | 'jwt' | 'card_number' | 'provider_key';

/** Every built-in detector; the default of `redaction.valueDetectors`. */
export const DEFAULT_VALUE_DETECTORS: ReadonlyArray<ValueDetectorName> = Object.freeze([
  'email',
  'credentials',
  'jwt',
  'card_number',
  'provider_key',
]);

/**
 * Below this a truncated payload would be mostly suffix and markers, which helps nobody.
 */
const MIN_MAX_PAYLOAD_CHARS = 32;

/**
 * How message payloads are turned into safe JSON for span events, log lines and Sentry contexts.
 *
 * Field entries of `redactFields`, `hashFields`, `sensitiveFields`, `extraSensitiveFields` and
 * `personalFields` follow one rule. An entry without a dot is a field name matched at any depth:
 * key and entry are cut into words after folding case, Unicode compatibility forms (NFKC), marks
 * and invisible characters, separators (`_`, `-`, `.`, spaces, any punctuation) and camelCase
 * boundaries, trailing numbers dropped; the entry matches when the key's trailing words, joined,
 * spell the entry's words, joined. So `api_key` matches `apiKey`, `API_KEY`, `x-api-key` and `stripeApiKey`; `email`
 * matches `userEmail`, `ＥＭＡＩＬ` and the literal key `"user.email"`; `token` matches
 * `sessionToken` but not `tokenCount`, `tokenizer` or `tokenExpiresAt`. A symbol key is judged by
 * its description. An entry with dots is a path from the payload root, matched segment by
 * segment (case-insensitive, array elements transparent: `items.sku`); a literal key containing
 * a dot is one segment, never two, and is reached in a path by escaping its dots (`user\\.email`).
 * A matching key hides its whole value, whether object, array or primitive.
 *
 * Strings that survive the field rules still go through the value detectors, and so do error
 * messages and stacks in every sink.
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
   * extending them (use `extraSensitiveFields` to extend); `[]` turns them off.
   * @default DEFAULT_SENSITIVE_FIELDS (password, passwd, pwd, passphrase, secret, client_secret,
   * token, access_token, refresh_token, id_token, auth, authorization, proxy_authorization,
   * credentials, bearer, jwt, cookie, cookies, session, session_id, api_key,
   * private_key, signature, otp, pin, email, mail, phone, phone_number, mobile, address, ssn, dob,
   * date_of_birth, birth_date, iban, account_number, credit_card, card, card_number, pan, cvc, cvv)
   */
  sensitiveFields?: string[];

  /**
   * Fields replaced by `***` in addition to `sensitiveFields` (the defaults stay).
   * @default []
   */
  extraSensitiveFields?: string[];

  /**
   * Personal audit fields, hashed (`sha256:<hex>`, as `hashFields`) in the payload of every sink
   * and in `cqrs.requested_by`, so a search by the hash still finds the flow. Giving this list
   * replaces the defaults; list a field in `clearFields` to show it in clear.
   * @default DEFAULT_PERSONAL_FIELDS (requested_by)
   */
  personalFields?: string[];

  /**
   * Personal fields shown in clear: each entry must name a field of `personalFields`
   * (`clearFields: ['requestedBy']`). Sensitive fields cannot be shown this way.
   * @default []
   */
  clearFields?: string[];

  /**
   * Detectors of secret-shaped text run on every string of a payload (whatever its key) and on
   * error messages and stacks in spans, logs and Sentry: `email` (e-mail addresses),
   * `credentials` (`Bearer …`, `Basic …`, `Digest …`: the scheme stays), `jwt` (`eyJ….….…`),
   * `card_number` (13 to 19 digits, spaces or dashes allowed, Luhn-checked) and `provider_key`
   * (`sk_live_…`, `rk_test_…`, `AKIA…`, `ASIA…`, `ghp_…`/`gho_…`/`ghs_…`, `github_pat_…`,
   * `xoxb-…`, `glpat-…`, `AIza…`). Matches become `***`. `false` or `[]` turns them off.
   * @default DEFAULT_VALUE_DETECTORS (all five)
   */
  valueDetectors?: ValueDetectorName[] | false;

  /**
   * Your own patterns of secret-shaped text, replaced by `***` wherever the detectors run (the
   * global flag is added).
   * @default []
   */
  valuePatterns?: RegExp[];

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
  readonly extraSensitiveFields: ReadonlyArray<string>;
  readonly personalFields: ReadonlyArray<string>;
  readonly clearFields: ReadonlyArray<string>;
  readonly valueDetectors: ReadonlyArray<ValueDetectorName>;
  readonly valuePatterns: ReadonlyArray<RegExp>;
  readonly maxPayloadChars: number;
}

const NO_FIELDS: ReadonlyArray<string> = Object.freeze([]);
const NO_DETECTORS: ReadonlyArray<ValueDetectorName> = Object.freeze([]);
const NO_PATTERNS: ReadonlyArray<RegExp> = Object.freeze([]);

type FieldListOption =
  | 'includeFields'
  | 'redactFields'
  | 'hashFields'
  | 'sensitiveFields'
  | 'extraSensitiveFields'
  | 'personalFields'
  | 'clearFields';

// Resolution is idempotent; remembering our own results lets module code hand a resolved object
// to `new RedactionPolicy()` without validating it twice.
const resolvedResults = new WeakSet<object>();

const KNOWN_OPTIONS: ReadonlyArray<keyof RedactionOptions> = [
  'includeFields',
  'redactFields',
  'hashFields',
  'sensitiveFields',
  'extraSensitiveFields',
  'personalFields',
  'clearFields',
  'valueDetectors',
  'valuePatterns',
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
    extraSensitiveFields: fieldList(options, 'extraSensitiveFields', optionPath, NO_FIELDS),
    personalFields: fieldList(options, 'personalFields', optionPath, DEFAULT_PERSONAL_FIELDS),
    clearFields: fieldList(options, 'clearFields', optionPath, NO_FIELDS),
    valueDetectors: valueDetectors(options.valueDetectors, `${optionPath}.valueDetectors`),
    valuePatterns: valuePatterns(options.valuePatterns, `${optionPath}.valuePatterns`),
    maxPayloadChars: maxPayloadChars(options.maxPayloadChars, `${optionPath}.maxPayloadChars`),
  });
  checkClearFields(resolved, optionPath);
  resolvedResults.add(resolved);
  return resolved;
}

function checkClearFields(resolved: ResolvedRedactionOptions, optionPath: string): void {
  resolved.clearFields.forEach((entry, index) => {
    if (!resolved.personalFields.some((personal) => sameFieldName(personal, entry))) {
      throw new InvalidObservabilityOptionError(
        `${optionPath}.clearFields[${index}]`,
        `a field of personalFields (${resolved.personalFields.join(', ') || 'none'})`,
        entry,
      );
    }
  });
}

function valueDetectors(value: unknown, path: string): ReadonlyArray<ValueDetectorName> {
  if (value === undefined) return DEFAULT_VALUE_DETECTORS;
  if (value === false) return NO_DETECTORS;
  if (!Array.isArray(value)) {
    throw new InvalidObservabilityOptionError(path, 'false or an array of detector names', value);
  }
  value.forEach((entry: unknown, index) => {
    if (!(DEFAULT_VALUE_DETECTORS as ReadonlyArray<unknown>).includes(entry)) {
      throw new InvalidObservabilityOptionError(
        `${path}[${index}]`,
        `one of ${DEFAULT_VALUE_DETECTORS.join(', ')}`,
        entry,
      );
    }
  });
  return Object.freeze([...new Set(value as ValueDetectorName[])]);
}

function valuePatterns(value: unknown, path: string): ReadonlyArray<RegExp> {
  if (value === undefined) return NO_PATTERNS;
  if (!Array.isArray(value)) {
    throw new InvalidObservabilityOptionError(path, 'an array of RegExp', value);
  }
  value.forEach((entry: unknown, index) => {
    if (!(entry instanceof RegExp)) {
      throw new InvalidObservabilityOptionError(`${path}[${index}]`, 'a RegExp', entry);
    }
    if (entry.test('')) {
      throw new InvalidObservabilityOptionError(
        `${path}[${index}]`,
        'a RegExp that does not match the empty string',
        entry,
      );
    }
  });
  return Object.freeze([...(value as RegExp[])]);
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
    if (
      typeof entry !== 'string' ||
      splitFieldPath(entry).some((segment) => segment.length === 0) ||
      (name !== 'includeFields' && !entry.includes('.') && keyWords(entry).length === 0)
    ) {
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
