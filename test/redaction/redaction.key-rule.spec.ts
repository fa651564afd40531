import { createHash } from 'node:crypto';
import { InvalidObservabilityOptionError, RedactionPolicy } from '../../lib';
import { keyWords } from '../../lib/redaction/key-words';

const sha256 = (text: string): string =>
  `sha256:${createHash('sha256').update(text).digest('hex')}`;

/** Whether the default policy hides the value under `key`. */
function hidden(key: string, policy = new RedactionPolicy()): boolean {
  const out = policy.sanitize({ [key]: 'V' }) as Record<string, unknown>;
  const values = Object.values(out);
  // Guard: the field is written (as a marker, a hash or in clear), never dropped.
  expect(values).toHaveLength(1);
  return values[0] !== 'V';
}

describe('the key matching rule', () => {
  it('cuts keys into words across case, separators, camelCase, NFKC, marks and invisibles', () => {
    expect(keyWords('x-api-key')).toEqual(['x', 'api', 'key']);
    expect(keyWords('APIKey')).toEqual(['api', 'key']);
    expect(keyWords('user.email')).toEqual(['user', 'email']);
    expect(keyWords('ＥＭＡＩＬ')).toEqual(['email']);
    expect(keyWords('EMAİL')).toEqual(['email']);
    expect(keyWords('\u200bpass\u00adword ')).toEqual(['password']);
    expect(keyWords('pa\u0301ssword')).toEqual(['password']);
    expect(keyWords('address2')).toEqual(['address']);
  });

  it.each([
    'apiKey',
    'API_KEY',
    'api-key',
    'x-api-key',
    'X-Api-Key',
    'stripeApiKey',
    'APIKEY',
    'accessToken',
    'refreshToken',
    'sessionToken',
    'auth_token',
    'privateKey',
    'clientSecret',
    'cardNumber',
    'creditCard',
    'userEmail',
    'emailAddress',
    'e-mail',
    'E_MAIL',
    'dbPassword',
    'PASSWORD',
    'password ',
    'passwd',
    'pwd',
    'ＥＭＡＩＬ',
    'EMAİL',
    '\u200bpassword',
    'pass\u200dword',
    'user.email',
    'set-cookie',
    'cookie',
    'Cookie',
    'jwt',
    'bearer',
    'idToken',
    'iban',
    'cvc',
    'CVV',
    'ssn',
    'dob',
    'pin',
    'otp',
    'phone',
    'homeAddress',
    'sessionId',
    'proxy-authorization',
  ])('hides %j', (key) => {
    expect(hidden(key)).toBe(true);
  });

  it.each([
    'tokenCount',
    'tokenizer',
    'tokenExpiresAt',
    'emailVerified',
    'emailCount',
    'passwordPolicy',
    'apiKeyId',
    'cardType',
    'sku',
    'quantity',
    'pinned',
    'spin',
    'session_count',
    'mailbox',
  ])('keeps %j visible', (key) => {
    expect(hidden(key)).toBe(false);
  });

  it('judges a symbol key of a Map by its description', () => {
    const out = new RedactionPolicy().sanitize({
      map: new Map<unknown, unknown>([
        [Symbol('password'), 'V'],
        [Symbol('sku'), 'A-1'],
      ]),
    });
    expect(out).toEqual({ map: { 'Symbol(password)': '***', 'Symbol(sku)': 'A-1' } });
  });

  it('applies the same rule to redactFields and hashFields entries', () => {
    const policy = new RedactionPolicy({ redactFields: ['note'], hashFields: ['customer_id'] });
    expect(policy.sanitize({ internalNote: 'x', customerId: 'c-1', 'CUSTOMER-ID': 'c-2' })).toEqual(
      { internalNote: '***', customerId: sha256('c-1'), 'CUSTOMER-ID': sha256('c-2') },
    );
  });

  it('extraSensitiveFields adds to the defaults, sensitiveFields replaces them', () => {
    const extended = new RedactionPolicy({ extraSensitiveFields: ['tenant_secret_ref'] });
    expect(extended.sanitize({ tenantSecretRef: 'x', password: 'y' })).toEqual({
      tenantSecretRef: '***',
      password: '***',
    });
    const replaced = new RedactionPolicy({ sensitiveFields: ['tenant_secret_ref'] });
    expect(replaced.sanitize({ tenantSecretRef: 'x', password: 'y' })).toEqual({
      tenantSecretRef: '***',
      password: 'y',
    });
  });

  it('keeps paths and literal dotted keys apart', () => {
    const payload = { user: { email: 'a', id: 'u-1' }, 'user.email': 'b', 'user.id': 'u-2' };
    // A dotted entry is a path: it keeps user → id, not the literal key "user.id".
    expect(new RedactionPolicy({ includeFields: ['user.id'] }).sanitize(payload)).toEqual({
      user: { id: 'u-1' },
    });
    // An escaped dot names the literal key.
    expect(new RedactionPolicy({ includeFields: ['user\\.id'] }).sanitize(payload)).toEqual({
      'user.id': 'u-2',
    });
    // A literal dotted key is judged by its words: "user.email" ends with `email`.
    expect(new RedactionPolicy().sanitize(payload)).toEqual({
      user: { email: '***', id: 'u-1' },
      'user.email': '***',
      'user.id': 'u-2',
    });
    expect(new RedactionPolicy({ hashFields: ['user.id'] }).sanitize(payload)).toMatchObject({
      user: { id: sha256('u-1') },
      'user.id': 'u-2',
    });
  });

  it('works the same on the flat fast path and through the walker', () => {
    const flat = { apiKey: 'k', tokenCount: 2, 'x-api-key': 'k2' };
    const nested = { wrap: flat };
    const policy = new RedactionPolicy();
    expect(JSON.parse(policy.serialize(flat).json)).toEqual(
      (policy.sanitize(nested) as { wrap: unknown }).wrap,
    );
    expect(JSON.parse(policy.serialize(flat).json)).toEqual({
      apiKey: '***',
      tokenCount: 2,
      'x-api-key': '***',
    });
  });

  it('refuses an entry with no word in it, naming the option', () => {
    expect(() => new RedactionPolicy({ extraSensitiveFields: ['__'] })).toThrow(
      InvalidObservabilityOptionError,
    );
    expect(() => new RedactionPolicy({ extraSensitiveFields: ['__'] })).toThrow(
      'redaction.extraSensitiveFields[0]',
    );
  });
});

describe('personal fields', () => {
  it('hashes requestedBy by default, at any depth and in any spelling', () => {
    const out = new RedactionPolicy().sanitize({
      requestedBy: 'user-1',
      audit: { requested_by: 'user-2' },
    });
    expect(out).toEqual({
      requestedBy: sha256('user-1'),
      audit: { requested_by: sha256('user-2') },
    });
  });

  it('shows a personal field in clear only when clearFields lists it', () => {
    const policy = new RedactionPolicy({ clearFields: ['requestedBy'] });
    expect(policy.sanitize({ requestedBy: 'user-1' })).toEqual({ requestedBy: 'user-1' });
  });

  it('hashes the fields you mark personal', () => {
    const policy = new RedactionPolicy({ personalFields: ['requested_by', 'customer_name'] });
    expect(policy.sanitize({ customerName: 'Ada', requestedBy: 'u' })).toEqual({
      customerName: sha256('Ada'),
      requestedBy: sha256('u'),
    });
  });

  it('refuses a clearFields entry that is not a personal field', () => {
    expect(() => new RedactionPolicy({ clearFields: ['password'] })).toThrow(
      'redaction.clearFields[0]',
    );
  });
});
