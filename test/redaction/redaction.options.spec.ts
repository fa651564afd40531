import { InvalidObservabilityOptionError } from '../../lib/errors/invalid-options.error';
import {
  DEFAULT_MAX_PAYLOAD_CHARS,
  DEFAULT_SENSITIVE_FIELDS,
  RedactionPolicy,
  type RedactionOptions,
  resolveRedactionOptions,
} from '../../lib/redaction';

function thrownBy(run: () => unknown): InvalidObservabilityOptionError {
  try {
    run();
  } catch (error) {
    if (error instanceof InvalidObservabilityOptionError) return error;
    throw error;
  }
  throw new Error('expected an InvalidObservabilityOptionError');
}

describe('resolveRedactionOptions', () => {
  it('applies every default when called without options', () => {
    expect(resolveRedactionOptions()).toEqual({
      includeFields: [],
      redactFields: [],
      hashFields: [],
      sensitiveFields: [...DEFAULT_SENSITIVE_FIELDS],
      extraSensitiveFields: [],
      personalFields: ['requested_by'],
      clearFields: [],
      valueDetectors: ['email', 'credentials', 'jwt', 'card_number', 'provider_key'],
      valuePatterns: [],
      maxPayloadChars: 4096,
    });
    for (const name of [
      'password',
      'token',
      'api_key',
      'email',
      'cookie',
      'session',
      'jwt',
      'bearer',
      'id_token',
      'client_secret',
      'passwd',
      'pwd',
      'pin',
      'otp',
      'iban',
      'credit_card',
      'card_number',
      'cvc',
      'cvv',
      'ssn',
      'dob',
    ]) {
      expect(DEFAULT_SENSITIVE_FIELDS).toContain(name);
    }
    expect(DEFAULT_MAX_PAYLOAD_CHARS).toBe(4096);
  });

  it('treats undefined values as defaults', () => {
    const resolved = resolveRedactionOptions({
      includeFields: undefined,
      sensitiveFields: undefined,
      maxPayloadChars: undefined,
    });
    expect(resolved.includeFields).toEqual([]);
    expect(resolved.sensitiveFields).toEqual(DEFAULT_SENSITIVE_FIELDS);
    expect(resolved.maxPayloadChars).toBe(4096);
  });

  it('returns a frozen copy the caller cannot change afterwards', () => {
    const redactFields = ['note'];
    const resolved = resolveRedactionOptions({ redactFields, maxPayloadChars: 100 });
    redactFields.push('name');

    expect(resolved.redactFields).toEqual(['note']);
    expect(Object.isFrozen(resolved)).toBe(true);
    expect(Object.isFrozen(resolved.redactFields)).toBe(true);
    expect(Object.isFrozen(resolved.includeFields)).toBe(true);
    expect(Object.isFrozen(DEFAULT_SENSITIVE_FIELDS)).toBe(true);
  });

  it('lets a given sensitiveFields list replace the defaults, even an empty one', () => {
    expect(resolveRedactionOptions({ sensitiveFields: ['pin'] }).sensitiveFields).toEqual(['pin']);
    expect(resolveRedactionOptions({ sensitiveFields: [] }).sensitiveFields).toEqual([]);
  });

  it('accepts its own result again, as module code passes resolved options to the policy', () => {
    const resolved = resolveRedactionOptions({ hashFields: ['userId'], maxPayloadChars: 64 });
    expect(resolveRedactionOptions(resolved)).toBe(resolved);
    expect(new RedactionPolicy(resolved).options).toBe(resolved);
  });

  it.each<[string, unknown, string]>([
    ['maxPayloadChars as a string', { maxPayloadChars: '4096' }, 'redaction.maxPayloadChars'],
    ['maxPayloadChars zero', { maxPayloadChars: 0 }, 'redaction.maxPayloadChars'],
    ['maxPayloadChars negative', { maxPayloadChars: -5 }, 'redaction.maxPayloadChars'],
    ['maxPayloadChars fractional', { maxPayloadChars: 100.5 }, 'redaction.maxPayloadChars'],
    ['maxPayloadChars below 32', { maxPayloadChars: 31 }, 'redaction.maxPayloadChars'],
    ['maxPayloadChars Infinity', { maxPayloadChars: Infinity }, 'redaction.maxPayloadChars'],
    ['includeFields as a string', { includeFields: 'id' }, 'redaction.includeFields'],
    ['redactFields as null', { redactFields: null }, 'redaction.redactFields'],
    ['hashFields with a number', { hashFields: ['a', 7] }, 'redaction.hashFields[1]'],
    [
      'includeFields with an empty entry',
      { includeFields: ['a', 'b', ''] },
      'redaction.includeFields[2]',
    ],
    [
      'sensitiveFields with an empty segment',
      { sensitiveFields: ['a..b'] },
      'redaction.sensitiveFields[0]',
    ],
    ['an unknown key', { maxPayloadSize: 10 }, 'redaction.maxPayloadSize'],
  ])('rejects %s, naming the option', (_case, options, option) => {
    const error = thrownBy(() => resolveRedactionOptions(options as RedactionOptions));
    expect(error.option).toBe(option);
    expect(error.message).toContain(`"${option}"`);
  });

  it('rejects options that are not an object', () => {
    expect(thrownBy(() => resolveRedactionOptions(null as never)).option).toBe('redaction');
    expect(thrownBy(() => resolveRedactionOptions([] as never)).option).toBe('redaction');
  });

  it('prefixes errors with the given option path', () => {
    const error = thrownBy(() =>
      resolveRedactionOptions({ maxPayloadChars: 1 }, 'tracing.payload'),
    );
    expect(error.option).toBe('tracing.payload.maxPayloadChars');
    expect(error.message).toBe(
      'Invalid CqrsObservabilityModule option "tracing.payload.maxPayloadChars": expected a positive integer >= 32, received 1.',
    );
  });

  it('validates when a policy is constructed', () => {
    expect(() => new RedactionPolicy({ maxPayloadChars: 10 })).toThrow(
      InvalidObservabilityOptionError,
    );
    expect(() => new RedactionPolicy({ maxPayloadChars: 10 })).toThrow(
      /redaction\.maxPayloadChars/,
    );
  });
});
