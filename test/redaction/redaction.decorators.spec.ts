import { createHash } from 'node:crypto';
import { Hash, Redact, RedactionPolicy, TraceAttribute } from '../../lib/redaction';
import { getTraceAttributeFields } from '../../lib/redaction/redaction.decorators';

const sha256 = (input: string): string =>
  `sha256:${createHash('sha256').update(input).digest('hex')}`;

class BaseMessage {
  @TraceAttribute('cqrs.tenant')
  @Hash()
  tenantId: string;

  @Redact()
  internalNote: string;

  constructor(tenantId: string, internalNote: string) {
    this.tenantId = tenantId;
    this.internalNote = internalNote;
  }
}

class ShippingAddress {
  @Redact()
  street: string;

  city: string;

  constructor(street: string, city: string) {
    this.street = street;
    this.city = city;
  }
}

class CreateOrderCommand extends BaseMessage {
  @TraceAttribute()
  orderId: string;

  @TraceAttribute()
  quantity: number;

  @TraceAttribute()
  express: boolean;

  @TraceAttribute()
  email: string;

  @TraceAttribute('cqrs.order.destination')
  destination: ShippingAddress;

  @Redact()
  @Hash()
  couponCode: string;

  constructor(props: {
    tenantId: string;
    orderId: string;
    quantity: number;
    express: boolean;
    email: string;
    destination: ShippingAddress;
    couponCode: string;
  }) {
    super(props.tenantId, 'do not show');
    this.orderId = props.orderId;
    this.quantity = props.quantity;
    this.express = props.express;
    this.email = props.email;
    this.destination = props.destination;
    this.couponCode = props.couponCode;
  }
}

const command = (): CreateOrderCommand =>
  new CreateOrderCommand({
    tenantId: 't-1',
    orderId: 'o-1',
    quantity: 3,
    express: true,
    email: 'ada@example.com',
    destination: new ShippingAddress('1 Main St', 'Springfield'),
    couponCode: 'SPRING24',
  });

describe('redaction decorators', () => {
  describe('@Redact() and @Hash()', () => {
    it('apply to the class fields, inherited ones included, with @Hash winning', () => {
      const policy = new RedactionPolicy();

      expect(policy.sanitize(command())).toEqual({
        tenantId: sha256('t-1'),
        internalNote: '***',
        orderId: 'o-1',
        quantity: 3,
        express: true,
        email: '***',
        destination: { street: '***', city: 'Springfield' },
        couponCode: sha256('SPRING24'),
      });
    });

    it('apply wherever an instance appears, nested in plain objects and arrays', () => {
      const policy = new RedactionPolicy();
      const payload = {
        stops: [new ShippingAddress('2 Side St', 'Shelbyville'), { street: 'plain', city: 'x' }],
      };

      expect(policy.sanitize(payload)).toEqual({
        stops: [
          { street: '***', city: 'Shelbyville' },
          { street: 'plain', city: 'x' },
        ],
      });
    });

    it('let @Hash() win over a sensitive key name', () => {
      class Contact {
        @TraceAttribute()
        @Hash()
        email: string;

        constructor(email: string) {
          this.email = email;
        }
      }
      const policy = new RedactionPolicy();

      expect(policy.sanitize({ contact: new Contact('ada@example.com') })).toEqual({
        contact: { email: sha256('ada@example.com') },
      });
      expect(policy.traceAttributes(new Contact('ada@example.com'))).toEqual([
        ['cqrs.message.email', sha256('ada@example.com')],
      ]);
    });

    it('let a subclass add protection to a field its base class left open', () => {
      class Base {
        constructor(readonly label: string) {}
      }
      class Hidden extends Base {
        @Redact()
        override readonly label!: string;
      }

      const policy = new RedactionPolicy();
      expect(policy.sanitize(new Base('shown'))).toEqual({ label: 'shown' });
      expect(policy.sanitize(new Hidden('gone'))).toEqual({ label: '***' });
    });
  });

  describe('getTraceAttributeFields', () => {
    it('lists base-class fields first, with default and custom attribute names', () => {
      const expected = [
        { property: 'tenantId', attribute: 'cqrs.tenant' },
        { property: 'orderId', attribute: 'cqrs.message.orderId' },
        { property: 'quantity', attribute: 'cqrs.message.quantity' },
        { property: 'express', attribute: 'cqrs.message.express' },
        { property: 'email', attribute: 'cqrs.message.email' },
        { property: 'destination', attribute: 'cqrs.order.destination' },
      ];

      expect(getTraceAttributeFields(CreateOrderCommand)).toEqual(expected);
      expect(getTraceAttributeFields(command())).toEqual(expected);
      expect(getTraceAttributeFields(CreateOrderCommand.prototype)).toEqual(expected);
      expect(getTraceAttributeFields(BaseMessage)).toEqual([
        { property: 'tenantId', attribute: 'cqrs.tenant' },
      ]);
    });

    it('is empty for plain objects and undecorated classes', () => {
      expect(getTraceAttributeFields({ orderId: 'o-1' })).toEqual([]);
      expect(getTraceAttributeFields(ShippingAddress)).toEqual([]);
    });

    it('rejects an empty attribute name when the class is defined', () => {
      expect(() => TraceAttribute('')).toThrow(TypeError);
    });
  });

  describe('RedactionPolicy.traceAttributes', () => {
    it('writes primitives as they are and objects as redacted JSON, after redaction and hashing', () => {
      const policy = new RedactionPolicy();

      expect(policy.traceAttributes(command())).toEqual([
        ['cqrs.tenant', sha256('t-1')],
        ['cqrs.message.orderId', 'o-1'],
        ['cqrs.message.quantity', 3],
        ['cqrs.message.express', true],
        ['cqrs.message.email', '***'],
        ['cqrs.order.destination', '{"street":"***","city":"Springfield"}'],
      ]);
    });

    it('hashes a sensitive field listed in hashFields instead of redacting it', () => {
      const policy = new RedactionPolicy({ hashFields: ['email'] });

      expect(policy.traceAttributes(command())).toContainEqual([
        'cqrs.message.email',
        sha256('ada@example.com'),
      ]);
    });

    it('ignores the allowlist, since marking a field is an explicit choice', () => {
      const policy = new RedactionPolicy({ includeFields: ['somethingElse'] });

      expect(policy.traceAttributes(command())).toContainEqual(['cqrs.message.orderId', 'o-1']);
    });

    it('skips null and undefined values and cuts long strings to maxPayloadChars', () => {
      class Note {
        @TraceAttribute()
        text: string;

        @TraceAttribute()
        missing: string | undefined = undefined;

        @TraceAttribute()
        nothing: null = null;

        @TraceAttribute()
        ratio = NaN;

        constructor(text: string) {
          this.text = text;
        }
      }
      const policy = new RedactionPolicy({ maxPayloadChars: 32 });

      expect(policy.traceAttributes(new Note('n'.repeat(100)))).toEqual([
        ['cqrs.message.text', `${'n'.repeat(32)}...<truncated>`],
      ]);
    });

    it('returns [] for anything without marked fields, and never throws', () => {
      const policy = new RedactionPolicy();
      const broken = command();
      Object.defineProperty(broken, 'orderId', {
        enumerable: true,
        get(): string {
          throw new Error('boom');
        },
      });
      const hostile = new Proxy(command(), {
        getPrototypeOf: () => {
          throw new Error('trap');
        },
      });

      expect(policy.traceAttributes({ orderId: 'o-1' })).toEqual([]);
      expect(policy.traceAttributes(new ShippingAddress('s', 'c'))).toEqual([]);
      expect(policy.traceAttributes(null)).toEqual([]);
      expect(policy.traceAttributes('text')).toEqual([]);
      expect(policy.traceAttributes(hostile)).toEqual([]);
      expect(policy.traceAttributes(broken)).toContainEqual([
        'cqrs.message.orderId',
        '[Unreadable]',
      ]);
    });
  });
});
