import { MessageValidationError } from '../../lib/validation';

describe('MessageValidationError', () => {
  it('names the message type and every field with its constraints', () => {
    const error = new MessageValidationError('CreateOrderCommand', [
      { property: 'quantity', constraints: { min: 'quantity must not be less than 1' } },
      {
        property: 'address.zip',
        constraints: { isString: 'zip must be a string', isLength: 'zip must be 5 characters' },
      },
    ]);

    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe('MessageValidationError');
    expect(error.messageType).toBe('CreateOrderCommand');
    expect(error.errors).toHaveLength(2);
    expect(error.message).toBe(
      'CreateOrderCommand failed validation: quantity (min: quantity must not be less than 1), address.zip (isString: zip must be a string; isLength: zip must be 5 characters)',
    );
    expect(String(error)).toBe(`MessageValidationError: ${error.message}`);
  });
});
