import { randomUUID } from 'node:crypto';
import { RedactedError, RedactionPolicy } from '../../lib';
import { luhnValid } from '../../lib/redaction/value-detectors';

const JWT =
  'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U';

describe('value detectors', () => {
  const policy = new RedactionPolicy();

  it.each([
    ['an e-mail address', 'write to ada.lovelace+cqrs@example.co.uk today', 'write to *** today'],
    [
      'a Bearer credential',
      'sent Authorization: Bearer abc.DEF-123_xyz',
      'sent Authorization: Bearer ***',
    ],
    ['a Basic credential', 'basic dXNlcjpwYXNzd29yZA==', 'basic ***'],
    ['a JWT', `token ${JWT} expired`, 'token *** expired'],
    ['a card number', 'card 4242 4242 4242 4242 declined', 'card *** declined'],
    ['a dashed card number', 'pan=5555-5555-5555-4444', 'pan=***'],
    ['a Stripe key', 'key sk_live_51H8abcdefGHIJ1234 rejected', 'key *** rejected'],
    ['an AWS access key id', 'AKIAIOSFODNN7EXAMPLE', '***'],
    ['a GitHub token', 'ghp_16C7e42F292c6912E7710c838347Ae178B4a', '***'],
    ['a Slack token', 'xoxb-123456789012-abcdefABCDEF', '***'],
  ])('scrubs %s in payload strings', (_what, text, expected) => {
    expect(policy.sanitize({ note: text })).toEqual({ note: expected });
    expect(JSON.parse(policy.serialize({ note: text }).json)).toEqual({ note: expected });
  });

  it('leaves numbers that fail the Luhn check, and ordinary text, alone', () => {
    expect(luhnValid('4242424242424242')).toBe(true);
    expect(luhnValid('4242424242424241')).toBe(false);
    const payload = {
      note: 'order 1234567890123 of 2026-01-02T03:04:05.000Z',
      sku: 'A-1',
      uuid: '28439dd5-852d-4fcb-9992-b82546b78c43',
    };
    expect(policy.sanitize(payload)).toEqual(payload);
  });

  it('never takes the digits inside an id for a card number', () => {
    // This UUID's `1-3812-4824-9548-1` passes the Luhn check on its own.
    const luhnInside = '3a87f7f1-3812-4824-9548-1fda09a2d099';
    expect(luhnValid('1-3812-4824-9548-1')).toBe(true);
    const ids = [luhnInside, '12345678-1234-5678-9012-345678901234'];
    for (let i = 0; i < 2000; i++) ids.push(randomUUID());
    for (const id of ids)
      expect(policy.sanitize({ requestId: id, note: `order ${id}` })).toEqual({
        requestId: id,
        note: `order ${id}`,
      });
    // A card number as a token of its own is still found, at the edges of a string too.
    expect(policy.sanitize({ note: '4242424242424242' })).toEqual({ note: '***' });
    expect(policy.sanitize({ note: 'cards: 4242-4242-4242-4242, 5555 5555 5555 4444.' })).toEqual({
      note: 'cards: ***, ***.',
    });
  });

  it('skips the scan of a bare UUID only: anything else 36 characters long is scanned', () => {
    // Bare ids are written without a scan; inside a longer string the same ids are scanned
    // (the test above), and no detector finds anything there either.
    const ids = ['12345678-1234-5678-9012-345678901234', randomUUID().toUpperCase()];
    for (const id of ids) expect(policy.serialize({ id }).json).toBe(JSON.stringify({ id }));
    // 36 characters, but not a UUID: scanned, and the secret found.
    const email = 'ada-lovelace-at-work@example.co.uk.x';
    expect(email).toHaveLength(36);
    expect(policy.sanitize({ note: email })).toEqual({ note: '***.x' });
    const card = 'card 4242 4242 4242 4242 declined ok';
    expect(card).toHaveLength(36);
    expect(policy.sanitize({ note: card })).toEqual({ note: 'card *** declined ok' });
    // The app's own patterns run on every string, ids included.
    const own = new RedactionPolicy({ valuePatterns: [/^12345678-/] });
    expect(own.sanitize({ id: ids[0] })).toEqual({ id: '***1234-5678-9012-345678901234' });
  });

  it('scrubs Map keys that hold secret-shaped text', () => {
    expect(policy.sanitize({ byUser: new Map([['ada@example.com', 3]]) })).toEqual({
      byUser: { '***': 3 },
    });
  });

  it('can be turned off or limited, and takes your own patterns', () => {
    const off = new RedactionPolicy({ valueDetectors: false });
    expect(off.sanitize({ note: 'ada@example.com' })).toEqual({ note: 'ada@example.com' });
    const some = new RedactionPolicy({ valueDetectors: ['jwt'], valuePatterns: [/ORD-\d{6}/] });
    expect(some.sanitize({ note: `ada@example.com ${JWT} ORD-123456 ORD-654321` })).toEqual({
      note: 'ada@example.com *** *** ***',
    });
  });

  it('refuses an unknown detector or a pattern matching the empty string, naming the option', () => {
    expect(() => new RedactionPolicy({ valueDetectors: ['ssn' as unknown as 'email'] })).toThrow(
      'redaction.valueDetectors[0]',
    );
    expect(() => new RedactionPolicy({ valuePatterns: [/x*/] })).toThrow(
      'redaction.valuePatterns[0]',
    );
  });
});

describe('RedactionPolicy.redactError', () => {
  const policy = new RedactionPolicy();

  it('keeps the type, scrubs message and stack, and reads nothing else', () => {
    class CardDeclinedError extends Error {
      readonly authorization = 'Bearer sk_live_51H8abcdefGHIJ1234';
    }
    const error = new CardDeclinedError('card 4242 4242 4242 4242 of ada@example.com declined');
    const view = policy.redactError(error);
    expect(view).toBeInstanceOf(RedactedError);
    expect(view.type).toBe('CardDeclinedError');
    expect(view.name).toBe('CardDeclinedError');
    expect(view.message).toBe('card *** of *** declined');
    expect(view.stack).toContain('Error: card *** of *** declined');
    expect(view.stack).toContain(__filename);
    expect(Object.keys(view)).toEqual([]);
    expect(JSON.stringify(view)).toBe('{}');
  });

  it('describes a thrown plain object by its message or its redacted JSON, never its toJSON', () => {
    let toJsonCalls = 0;
    const thrown = {
      code: 'E_DECLINED',
      authorization: 'Bearer abcdefgh',
      card: { cvv: '987' },
      toJSON: () => {
        toJsonCalls++;
        return { leaked: true };
      },
    };
    const view = policy.redactError(thrown);
    expect(view.type).toBe('Object');
    expect(JSON.parse(view.message)).toEqual({
      code: 'E_DECLINED',
      authorization: '***',
      card: '***',
    });
    expect(policy.redactError({ message: 'failed for ada@example.com' }).message).toBe(
      'failed for ***',
    );
    expect(toJsonCalls).toBe(0);
  });

  it('scrubs a thrown string and marks it primitive', () => {
    const view = policy.redactError('no account for ada@example.com');
    expect(view).toMatchObject({ type: 'string', primitive: true, message: 'no account for ***' });
  });

  it('redacts cause chains, cycles cut, and the errors of an AggregateError', () => {
    const inner = new Error('inner ada@example.com');
    const outer = new Error('outer', { cause: inner });
    (inner as { cause?: unknown }).cause = outer;
    const view = policy.redactError(outer);
    const cause = view.cause as RedactedError;
    expect(cause).toBeInstanceOf(RedactedError);
    expect(cause.message).toBe('inner ***');
    expect(cause.cause).toBeUndefined();

    const aggregate = new AggregateError(
      [new TypeError('a@example.com'), 'Bearer abcdefghij'],
      'two failed',
    );
    const errors = (policy.redactError(aggregate) as RedactedError & { errors: RedactedError[] })
      .errors;
    expect(errors.map((e) => [e.type, e.message])).toEqual([
      ['TypeError', '***'],
      ['string', 'Bearer ***'],
    ]);
  });

  it('survives hostile values', () => {
    const hostile = new Proxy(
      {},
      {
        get: () => {
          throw new Error('trap');
        },
        getPrototypeOf: () => {
          throw new Error('trap');
        },
      },
    );
    expect(policy.redactError(hostile)).toBeInstanceOf(RedactedError);
    const getter = Object.defineProperty(new Error('x'), 'message', {
      get: () => {
        throw new Error('trap');
      },
    });
    expect(policy.redactError(getter).type).toBe('Error');
  });
});
