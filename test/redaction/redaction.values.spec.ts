import { AsyncContext } from '@nestjs/cqrs';
import { RedactionPolicy } from '../../lib/redaction';

describe('RedactionPolicy value handling', () => {
  const policy = new RedactionPolicy();

  it('copies class instances as their own enumerable fields, never prototype members', () => {
    class Money {
      constructor(
        readonly amount: number,
        readonly currency: string,
      ) {}
      get formatted(): string {
        return `${this.amount} ${this.currency}`;
      }
      toString(): string {
        return this.formatted;
      }
    }
    const hidden = { amount: 1 };
    Object.defineProperty(hidden, 'internal', { value: 'x', enumerable: false });

    expect(policy.sanitize({ price: new Money(5, 'EUR'), hidden })).toEqual({
      price: { amount: 5, currency: 'EUR' },
      hidden: { amount: 1 },
    });
    expect(policy.serialize(new Money(5, 'EUR')).json).toBe('{"amount":5,"currency":"EUR"}');
  });

  it('leaves out symbol-keyed properties, including the @nestjs/cqrs AsyncContext', () => {
    class PlaceOrderCommand {
      constructor(readonly orderId: string) {}
    }
    const command = new PlaceOrderCommand('o-1');
    new AsyncContext().attachTo(command);
    const visibleSymbol = Symbol('visible');
    Object.assign(command, { [visibleSymbol]: 'enumerable but symbol-keyed' });

    expect(AsyncContext.of(command)).toBeInstanceOf(AsyncContext);
    expect(policy.serialize(command).json).toBe('{"orderId":"o-1"}');
  });

  it('turns a Map into an object with stringified keys, redacting by key', () => {
    const map = new Map<unknown, unknown>([
      ['name', 'Ada'],
      [42, { nested: true }],
      ['Token', 'abc'],
    ]);

    expect(policy.sanitize({ map })).toEqual({
      map: { name: 'Ada', '42': { nested: true }, Token: '***' },
    });
  });

  it('turns a Set into an array', () => {
    expect(policy.sanitize({ tags: new Set(['a', 'b', { password: 'p' }]) })).toEqual({
      tags: ['a', 'b', { password: '***' }],
    });
  });

  it('writes Dates as ISO strings without calling a user toJSON', () => {
    const at = new Date('2024-05-06T07:08:09.010Z');
    const withToJSON = {
      id: 7,
      toJSON(): never {
        throw new Error('toJSON must not be called');
      },
    };

    expect(
      policy.sanitize({ at, invalid: new Date('not a date'), withToJSON, nested: [at] }),
    ).toEqual({
      at: '2024-05-06T07:08:09.010Z',
      invalid: 'Invalid Date',
      withToJSON: { id: 7 },
      nested: ['2024-05-06T07:08:09.010Z'],
    });
  });

  it('writes BigInt as a decimal string', () => {
    expect(policy.serialize({ big: 12345678901234567890n, neg: -5n }).json).toBe(
      '{"big":"12345678901234567890","neg":"-5"}',
    );
  });

  it('describes binary data by size, never copying the bytes', () => {
    const payload = {
      buffer: Buffer.from('hello world!'),
      bytes: new Uint8Array([1, 2, 3]),
      floats: new Float64Array(4),
      raw: new ArrayBuffer(16),
      view: new DataView(new ArrayBuffer(8)),
    };

    expect(policy.sanitize(payload)).toEqual({
      buffer: '[Buffer 12 bytes]',
      bytes: '[Uint8Array 3 bytes]',
      floats: '[Float64Array 32 bytes]',
      raw: '[ArrayBuffer 16 bytes]',
      view: '[DataView 8 bytes]',
    });
  });

  it('keeps only name and message of errors', () => {
    class PaymentDeclinedError extends Error {
      override readonly name = 'PaymentDeclinedError';
      readonly cardNumber = '4111111111111111';
    }

    expect(policy.sanitize({ cause: new PaymentDeclinedError('declined') })).toEqual({
      cause: { name: 'PaymentDeclinedError', message: 'declined' },
    });
  });

  it('follows JSON semantics for functions, symbols, undefined and non-finite numbers', () => {
    const payload = {
      fn: () => 1,
      sym: Symbol('s'),
      missing: undefined,
      list: [() => 1, Symbol('s'), undefined, NaN, Infinity, -Infinity, 0],
      nan: NaN,
      kept: 'yes',
    };

    expect(policy.serialize(payload).json).toBe(
      '{"list":[null,null,null,null,null,null,0],"nan":null,"kept":"yes"}',
    );
    expect(policy.sanitize(undefined)).toBeUndefined();
    expect(policy.serialize(undefined).json).toBe('null');
  });

  it('unwraps boxed primitives', () => {
    const payload = { s: Object('text'), n: Object(3), b: Object(true) };
    expect(policy.serialize(payload).json).toBe('{"s":"text","n":3,"b":true}');
  });

  it('marks cycles, but serializes a repeated non-cyclic reference twice', () => {
    const shared = { id: 1 };
    const node: Record<string, unknown> = { name: 'root', shared, again: shared };
    node.self = node;
    node.children = [{ parent: node }];

    expect(policy.sanitize(node)).toEqual({
      name: 'root',
      shared: { id: 1 },
      again: { id: 1 },
      self: '[Circular]',
      children: [{ parent: '[Circular]' }],
    });
  });

  it('marks a getter that throws and keeps the rest', () => {
    const payload = {
      before: 1,
      get broken(): string {
        throw new Error('boom');
      },
      after: 2,
    };

    expect(policy.sanitize(payload)).toEqual({ before: 1, broken: '[Unreadable]', after: 2 });
  });

  it('survives a Proxy whose traps all throw', () => {
    const fail = (): never => {
      throw new Error('trap');
    };
    const hostile = new Proxy(
      {},
      { ownKeys: fail, get: fail, getPrototypeOf: fail, getOwnPropertyDescriptor: fail, has: fail },
    );
    const onlyGetThrows = new Proxy({ a: 1, b: 2 }, { get: fail });
    const { proxy: revoked, revoke } = Proxy.revocable({ a: 1 }, {});
    revoke();

    expect(policy.sanitize({ ok: true, hostile, onlyGetThrows, revoked })).toEqual({
      ok: true,
      hostile: '[Unreadable]',
      onlyGetThrows: { a: '[Unreadable]', b: '[Unreadable]' },
      revoked: '[Unreadable]',
    });
    expect(policy.serialize(hostile)).toEqual({
      json: '"[Unreadable]"',
      size: 14,
      truncated: false,
    });
  });

  it('marks a Map whose key cannot be stringified by skipping only that entry', () => {
    const badKey = {
      toString(): string {
        throw new Error('no');
      },
    };
    const map = new Map<unknown, unknown>([
      [badKey, 'x'],
      ['fine', 1],
    ]);

    expect(policy.sanitize(map)).toEqual({ fine: 1 });
  });

  it('replaces containers nested deeper than 16 levels with [MaxDepth]', () => {
    const root: Record<string, unknown> = {};
    let cursor = root;
    for (let level = 1; level <= 20; level++) {
      const next: Record<string, unknown> = { level };
      cursor.child = next;
      cursor = next;
    }

    let result = policy.sanitize(root) as Record<string, unknown>;
    for (let level = 1; level <= 16; level++) {
      result = result.child as Record<string, unknown>;
      expect(result.level).toBe(level);
    }
    expect(result.child).toBe('[MaxDepth]');
  });

  it('adds an own "__proto__" key as data without touching the prototype', () => {
    const payload = JSON.parse('{"__proto__":{"polluted":true},"a":1}') as object;
    const result = policy.sanitize(payload) as Record<string, unknown>;

    expect(Object.getPrototypeOf(result)).toBe(Object.prototype);
    expect(Object.keys(result)).toEqual(['__proto__', 'a']);
    expect(policy.serialize(payload).json).toBe('{"__proto__":{"polluted":true},"a":1}');
  });

  it('returns a copy: the payload itself is never modified', () => {
    const payload = { password: 'p', nested: { email: 'e' } };
    const result = policy.sanitize(payload);

    expect(result).toEqual({ password: '***', nested: { email: '***' } });
    expect(payload).toEqual({ password: 'p', nested: { email: 'e' } });
  });

  it('passes primitive roots through', () => {
    expect(policy.sanitize('plain')).toBe('plain');
    expect(policy.sanitize(3)).toBe(3);
    expect(policy.sanitize(null)).toBeNull();
    expect(policy.serialize('plain').json).toBe('"plain"');
  });
});
