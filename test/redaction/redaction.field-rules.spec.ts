import { createHash } from 'node:crypto';
import { RedactionPolicy } from '../../lib/redaction';

const sha256 = (input: string): string =>
  `sha256:${createHash('sha256').update(input).digest('hex')}`;

const order = {
  orderId: 'o-1',
  customer: {
    id: 'c-9',
    name: 'Ada',
    email: 'ada@example.com',
    billing: { street: '1 Main St', zip: '10001' },
  },
  items: [
    { sku: 'A-1', qty: 2, price: 10.5 },
    { sku: 'B-7', qty: 1, price: 3 },
  ],
  notes: 'leave at door',
};

describe('RedactionPolicy field rules', () => {
  describe('default sensitive fields', () => {
    it('hides sensitive keys in nested objects and arrays of objects', () => {
      const policy = new RedactionPolicy();
      const payload = {
        user: { name: 'Ada', password: 'hunter2', contacts: [{ phone: '555-0100', kind: 'home' }] },
        token: 'abc',
      };

      expect(policy.sanitize(payload)).toEqual({
        user: { name: 'Ada', password: '***', contacts: [{ phone: '***', kind: 'home' }] },
        token: '***',
      });
    });

    it('matches a name as the trailing words of a key, never a leading qualifier', () => {
      const policy = new RedactionPolicy();
      const payload = {
        Email: 'a',
        EMAIL: 'b',
        emailVerified: true,
        user_email: 'c',
        Api_Key: 'k',
        tokenCount: 3,
      };

      expect(policy.sanitize(payload)).toEqual({
        Email: '***',
        EMAIL: '***',
        emailVerified: true,
        user_email: '***',
        Api_Key: '***',
        tokenCount: 3,
      });
    });

    it('hides the whole subtree under a sensitive key, object or array', () => {
      const policy = new RedactionPolicy();
      const payload = {
        address: { street: '1 Main St', city: 'Springfield' },
        secret: ['a', 'b'],
        authorization: null,
      };

      expect(policy.serialize(payload).json).toBe(
        '{"address":"***","secret":"***","authorization":"***"}',
      );
    });

    it('replaces the defaults when sensitiveFields is given', () => {
      const policy = new RedactionPolicy({ sensitiveFields: ['pin'] });

      expect(policy.sanitize({ pin: '1234', password: 'visible now', PIN: 1 })).toEqual({
        pin: '***',
        password: 'visible now',
        PIN: '***',
      });
    });
  });

  describe('redactFields', () => {
    it('adds whole-key rules on top of the sensitive fields', () => {
      const policy = new RedactionPolicy({ redactFields: ['notes', 'billing'] });

      expect(policy.sanitize(order)).toEqual({
        orderId: 'o-1',
        customer: { id: 'c-9', name: 'Ada', email: '***', billing: '***' },
        items: order.items,
        notes: '***',
      });
    });

    it('matches a dotted entry only at that path from the root, arrays transparent', () => {
      const policy = new RedactionPolicy({ redactFields: ['Customer.Name', 'items.price'] });
      const payload = { ...order, name: 'top-level stays' };

      expect(policy.sanitize(payload)).toEqual({
        ...order,
        name: 'top-level stays',
        customer: { ...order.customer, name: '***', email: '***' },
        items: [
          { sku: 'A-1', qty: 2, price: '***' },
          { sku: 'B-7', qty: 1, price: '***' },
        ],
      });
    });

    it('never reads the value of a redacted key', () => {
      const policy = new RedactionPolicy();
      let reads = 0;
      const payload = {
        get password(): string {
          reads++;
          return 'hunter2';
        },
      };

      expect(policy.sanitize(payload)).toEqual({ password: '***' });
      expect(reads).toBe(0);
    });
  });

  describe('hashFields', () => {
    it('hashes strings as themselves and other primitives as String(value)', () => {
      const policy = new RedactionPolicy({
        hashFields: ['userId', 'amount', 'active', 'big', 'none'],
      });
      const result = policy.sanitize({
        userId: 'u-42',
        amount: 12.5,
        active: false,
        big: 10n,
        none: null,
      });

      expect(result).toEqual({
        userId: sha256('u-42'),
        amount: sha256('12.5'),
        active: sha256('false'),
        big: sha256('10'),
        none: sha256('null'),
      });
      expect(sha256('u-42')).toMatch(/^sha256:[0-9a-f]{64}$/);
    });

    it('hashes an object as its redacted JSON', () => {
      const policy = new RedactionPolicy({ hashFields: ['customer'] });
      const redactedCustomer = JSON.stringify({
        id: 'c-9',
        name: 'Ada',
        email: '***',
        billing: { street: '1 Main St', zip: '10001' },
      });

      expect(policy.sanitize(order)).toMatchObject({ customer: sha256(redactedCustomer) });
    });

    it('wins over sensitive fields and redactFields', () => {
      const policy = new RedactionPolicy({
        redactFields: ['orderId'],
        hashFields: ['email', 'ORDERID'],
      });

      expect(policy.sanitize(order)).toMatchObject({
        orderId: sha256('o-1'),
        customer: { email: sha256('ada@example.com') },
      });
    });

    it('wins over a redact rule on the same dotted path', () => {
      const policy = new RedactionPolicy({
        redactFields: ['customer.id'],
        hashFields: ['customer.id'],
      });

      expect(policy.sanitize(order)).toMatchObject({ customer: { id: sha256('c-9') } });
    });

    it('gives an object the same digest whatever maxPayloadChars is', () => {
      const payload = { customer: { id: 'c-9', history: Array.from({ length: 50 }, (_, n) => n) } };
      const small = new RedactionPolicy({ hashFields: ['customer'], maxPayloadChars: 32 });
      const large = new RedactionPolicy({ hashFields: ['customer'] });

      expect(small.sanitize(payload)).toEqual(large.sanitize(payload));
      expect(large.sanitize(payload)).toEqual({
        customer: sha256(JSON.stringify(payload.customer)),
      });
    });

    it('gives equal values equal digests, so spans can be correlated', () => {
      const policy = new RedactionPolicy({ hashFields: ['userId'] });
      const first = policy.sanitize({ userId: 'u-1' });
      const second = policy.sanitize({ nested: { userId: 'u-1' } });

      expect(first).toEqual({ userId: sha256('u-1') });
      expect(second).toEqual({ nested: { userId: sha256('u-1') } });
    });
  });

  describe('includeFields', () => {
    it('keeps only the listed dotted paths', () => {
      const policy = new RedactionPolicy({ includeFields: ['orderId', 'customer.id'] });

      expect(policy.sanitize(order)).toEqual({ orderId: 'o-1', customer: { id: 'c-9' } });
    });

    it('keeps a whole subtree for a path ending at an object, still redacted inside', () => {
      const policy = new RedactionPolicy({ includeFields: ['customer'] });

      expect(policy.sanitize(order)).toEqual({
        customer: {
          id: 'c-9',
          name: 'Ada',
          email: '***',
          billing: { street: '1 Main St', zip: '10001' },
        },
      });
    });

    it('reaches through arrays', () => {
      const policy = new RedactionPolicy({ includeFields: ['items.sku', 'customer.billing.zip'] });

      expect(policy.serialize(order).json).toBe(
        '{"customer":{"billing":{"zip":"10001"}},"items":[{"sku":"A-1"},{"sku":"B-7"}]}',
      );
    });

    it('still redacts a listed field that is sensitive', () => {
      const policy = new RedactionPolicy({ includeFields: ['customer.email', 'orderId'] });

      expect(policy.sanitize(order)).toEqual({ orderId: 'o-1', customer: { email: '***' } });
    });

    it('matches segments case-insensitively and leaves out primitives where an object was expected', () => {
      const policy = new RedactionPolicy({ includeFields: ['ORDERID', 'notes.text'] });

      expect(policy.sanitize(order)).toEqual({ orderId: 'o-1' });
    });

    it('keeps everything when the list is empty', () => {
      const policy = new RedactionPolicy({ includeFields: [] });

      expect(policy.sanitize({ a: 1, b: { c: 2 } })).toEqual({ a: 1, b: { c: 2 } });
    });
  });
});
