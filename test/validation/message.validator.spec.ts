import { IsEmail, IsInt, IsString, Length, Min, MinLength, ValidateNested } from 'class-validator';
import { BaseCommand, PaginatedQuery } from '../../lib/messages';
import { MessageValidationError } from '../../lib/validation';
import { MessageValidator } from '../../lib/validation/message.validator';

class Address {
  @IsString()
  @Length(5, 5)
  zip: string;

  constructor(zip: string) {
    this.zip = zip;
  }
}

class OrderLine {
  @IsString()
  sku: unknown;

  @IsInt()
  @Min(1)
  quantity: number;

  constructor(sku: unknown, quantity: number) {
    this.sku = sku;
    this.quantity = quantity;
  }
}

class CreateOrderCommand extends BaseCommand<string> {
  @IsInt()
  @Min(1)
  declare readonly quantity: number;

  @IsEmail()
  declare readonly email: string;
}

class PlaceOrderCommand extends BaseCommand<string> {
  @IsEmail()
  declare readonly email: string;

  @ValidateNested()
  declare readonly shippingAddress: Address;

  @ValidateNested({ each: true })
  declare readonly lines: OrderLine[];
}

class ChangePassword extends BaseCommand {
  @MinLength(12, { message: 'password $value is shorter than $constraint1 characters' })
  declare readonly password: string;
}

class ListOrders extends PaginatedQuery<string[]> {}

class Ping extends BaseCommand {}

class PlainClass {
  constructor(readonly anything: unknown) {}
}

describe('MessageValidator', () => {
  const validator = new MessageValidator();

  it('returns undefined for a valid message', () => {
    expect(
      validator.validate(new CreateOrderCommand({ quantity: 2, email: 'ada@example.com' })),
    ).toBeUndefined();
  });

  it('lists every failing field in one MessageValidationError', () => {
    const error = validator.validate(
      new CreateOrderCommand({ quantity: 0, email: 'not-an-email' }),
    );

    expect(error).toBeInstanceOf(MessageValidationError);
    expect(error).toBeInstanceOf(Error);
    expect(error?.name).toBe('MessageValidationError');
    expect(error?.messageType).toBe('CreateOrderCommand');
    expect(error?.errors).toEqual([
      { property: 'quantity', constraints: { min: 'quantity must not be less than 1' } },
      { property: 'email', constraints: { isEmail: 'email must be an email' } },
    ]);
    expect(error?.message).toBe(
      'CreateOrderCommand failed validation: quantity (min: quantity must not be less than 1), email (isEmail: email must be an email)',
    );
  });

  it('reports every broken constraint of a field', () => {
    const error = validator.validate(new CreateOrderCommand({ quantity: 'many', email: 'a@b.io' }));

    expect(error?.errors).toEqual([
      {
        property: 'quantity',
        constraints: {
          min: 'quantity must not be less than 1',
          isInt: 'quantity must be an integer number',
        },
      },
    ]);
    expect(error?.message).toBe(
      'CreateOrderCommand failed validation: quantity (min: quantity must not be less than 1; isInt: quantity must be an integer number)',
    );
  });

  it('flattens nested objects and arrays into dotted paths', () => {
    const error = validator.validate(
      new PlaceOrderCommand({
        email: 'ada@example.com',
        shippingAddress: new Address('123'),
        lines: [new OrderLine('SKU-1', 1), new OrderLine(42, 0)],
      }),
    );

    expect(error?.errors).toEqual([
      { property: 'shippingAddress.zip', constraints: { isLength: expect.any(String) } },
      { property: 'lines.1.sku', constraints: { isString: 'sku must be a string' } },
      { property: 'lines.1.quantity', constraints: { min: 'quantity must not be less than 1' } },
    ]);
    expect(error?.message).toMatch(
      /^PlaceOrderCommand failed validation: shippingAddress\.zip \(isLength: .+\), lines\.1\.sku \(isString: sku must be a string\), lines\.1\.quantity \(min: quantity must not be less than 1\)$/,
    );
  });

  it('reports a nested field that is not an object', () => {
    const error = validator.validate(
      new PlaceOrderCommand({ email: 'ada@example.com', shippingAddress: 'Main St', lines: [] }),
    );

    expect(error?.errors).toEqual([
      { property: 'shippingAddress', constraints: { nestedValidation: expect.any(String) } },
    ]);
  });

  it('never carries the failing value, in the issues or in the message', () => {
    const error = validator.validate(
      new CreateOrderCommand({ quantity: 1, email: 'hunter2-secret-token' }),
    );

    expect(error).toBeDefined();
    for (const issue of error?.errors ?? []) expect('value' in issue).toBe(false);
    expect(error?.message).not.toContain('hunter2-secret-token');
    expect(JSON.stringify(error?.errors)).not.toContain('hunter2-secret-token');
  });

  it('scrubs the value from a custom message that interpolates $value', () => {
    const error = validator.validate(new ChangePassword({ password: 'hunter2hu' }));

    expect(error?.errors).toEqual([
      {
        property: 'password',
        constraints: { minLength: 'password [redacted] is shorter than 12 characters' },
      },
    ]);
    expect(error?.message).not.toContain('hunter2hu');
  });

  it('reports page 0 and pageSize 101 of a PaginatedQuery together', () => {
    const error = validator.validate(new ListOrders({ page: 0, pageSize: 101 }));

    expect(error?.messageType).toBe('ListOrders');
    expect(error?.errors).toEqual([
      { property: 'page', constraints: { min: 'page must not be less than 1' } },
      { property: 'pageSize', constraints: { max: 'pageSize must not be greater than 100' } },
    ]);
  });

  it('reports query-string paging that is not an integer, and accepts integer strings', () => {
    const error = validator.validate(new ListOrders({ page: 'abc', pageSize: '2.5' }));

    expect(error?.errors.map((issue) => issue.property)).toEqual(['page', 'pageSize']);
    expect(error?.errors[0]?.constraints).toHaveProperty('isInt');
    expect(error?.errors[1]?.constraints).toHaveProperty('isInt');
    expect(validator.validate(new ListOrders({ page: '2', pageSize: '100' }))).toBeUndefined();
    expect(validator.validate(new ListOrders())).toBeUndefined();
  });

  it('does not check messages whose class has no class-validator decorator', () => {
    // With forbidUnknownValues class-validator itself would reject an undecorated instance:
    // undefined here shows the validator never called it.
    const strict = new MessageValidator({ forbidUnknownValues: true });

    expect(strict.validate(new Ping())).toBeUndefined();
    expect(strict.validate(new PlainClass('x'))).toBeUndefined();
    expect(strict.validate({ email: 'not-an-email' })).toBeUndefined();
    expect(strict.validate(Object.create(null))).toBeUndefined();
  });

  it.each([
    ['null', null],
    ['undefined', undefined],
    ['a string', 'CreateOrderCommand'],
    ['a number', 42],
    ['a function', () => undefined],
  ])('returns undefined for %s without throwing', (_case, message) => {
    expect(validator.validate(message)).toBeUndefined();
  });

  it('passes its class-validator options on', () => {
    const lenient = new MessageValidator({ skipMissingProperties: true });

    expect(lenient.validate(new CreateOrderCommand({ quantity: 1 }))).toBeUndefined();
    expect(validator.validate(new CreateOrderCommand({ quantity: 1 }))?.errors).toEqual([
      { property: 'email', constraints: { isEmail: 'email must be an email' } },
    ]);
  });

  it('refuses the whitelist option, which would have to strip fields of an immutable message', () => {
    expect(() => new MessageValidator({ whitelist: true })).toThrow(TypeError);
    expect(() => new MessageValidator({ whitelist: true })).toThrow(/whitelist/);
  });
});
