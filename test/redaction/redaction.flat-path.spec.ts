import { BaseCommand, RedactionPolicy } from '../../lib';

class CreateUser extends BaseCommand<void> {
  declare readonly name: string;
  declare readonly email: string;
  declare readonly age: number;
}

/** serialize() writes flat messages without the general walker; both must agree exactly. */
describe('serialize fast path for flat messages', () => {
  const policy = new RedactionPolicy({ redactFields: ['name'] });
  const cases: Array<[string, unknown]> = [
    [
      'a plain object',
      { sku: 'A', quantity: 2, email: 'x@y.z', Token: 't', ok: true, none: null, skip: undefined },
    ],
    [
      'a BaseCommand with a Date',
      new CreateUser({ name: 'Ada', email: 'ada@example.com', age: 36, requestedBy: 'u1' }),
    ],
    ['an invalid Date', { at: new Date('nope') }],
    ['non-finite numbers', { a: NaN, b: Infinity, c: -0 }],
    ['a long string', { text: 'x'.repeat(10_000) }],
    ['an empty object', {}],
    ['only undefined fields', { a: undefined, b: undefined }],
    ['integer-like keys, written first in ascending order', { b: 1, 2: 'two', 1: 'one' }],
    [
      'strings and keys JSON must escape',
      { 'k"e\\y': 'quote " backslash \\ newline \n tab \t \u2028 \u0001 é 😀', lone: '\ud800' },
    ],
    [
      'numbers of every form',
      { big: 1e21, small: 5e-7, negative: -12.5, zero: -0, max: Number.MAX_VALUE },
    ],
  ];

  it.each(cases)('gives the same JSON as the walker for %s', (_name, value) => {
    const walked = JSON.stringify(policy.sanitize(value));
    const serialized = policy.serialize(value);
    // The walker stops early on long values, so its size is a lower bound there.
    expect(serialized.size).toBeGreaterThanOrEqual(walked.length);
    if (!serialized.truncated) expect(serialized.size).toBe(walked.length);
    expect(serialized.json).toBe(
      walked.length > policy.options.maxPayloadChars
        ? `${walked.slice(0, policy.options.maxPayloadChars)}...<truncated>`
        : walked,
    );
  });

  it('hides sensitive and configured keys and keeps the rest', () => {
    const json = policy.serialize(
      new CreateUser({ name: 'Ada', email: 'ada@example.com', age: 36 }),
    ).json;
    const parsed = JSON.parse(json) as Record<string, unknown>;
    expect(parsed).toMatchObject({ name: '***', email: '***', age: 36 });
    expect(json).not.toContain('ada@example.com');
  });

  it('falls back to the walker for hashed keys, nested objects and own getters', () => {
    const hashing = new RedactionPolicy({ hashFields: ['email'] });
    expect(hashing.serialize({ email: 'a@b.c' }).json).toMatch(/"email":"sha256:[0-9a-f]{64}"/);
    expect(policy.serialize({ nested: { email: 'a@b.c' } }).json).toBe(
      '{"nested":{"email":"***"}}',
    );
    const withGetter = Object.defineProperty({}, 'boom', {
      enumerable: true,
      get() {
        throw new Error('no');
      },
    });
    expect(policy.serialize(withGetter).json).toBe(JSON.stringify(policy.sanitize(withGetter)));
  });
});
