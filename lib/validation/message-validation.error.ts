import { BadRequestException, HttpStatus } from '@nestjs/common';

/** One failing field of a message. */
export interface MessageValidationIssue {
  /** The field's dotted path: `email`, `address.zip`, `items.0.sku`. */
  readonly property: string;
  /** class-validator constraint name → message, e.g. `{ min: 'quantity must not be less than 1' }`. */
  readonly constraints: Readonly<Record<string, string>>;
  /** Never set: the value may be a secret and this error is logged and sent to Sentry. */
  readonly value?: undefined;
}

/** The body Nest's HTTP layer answers for a `MessageValidationError`: a 400 listing each field. */
export interface MessageValidationResponse {
  readonly statusCode: 400;
  readonly error: 'Bad Request';
  /** `CreateOrderCommand failed validation` */
  readonly message: string;
  readonly messageType: string;
  readonly errors: ReadonlyArray<MessageValidationIssue>;
}

/**
 * Thrown at dispatch instead of calling the handler when a message breaks its class-validator
 * rules. Lists every failing field, nested ones by dotted path, and never the values:
 *
 * `CreateOrderCommand failed validation: quantity (min: quantity must not be less than 1), email (isEmail: email must be an email)`
 *
 * An invalid message is the caller's mistake, so this is a `BadRequestException`: reaching
 * Nest's HTTP layer it answers 400 with `MessageValidationResponse` (no filter needed), and
 * Sentry's default `shouldCapture` skips it like any 4xx.
 */
export class MessageValidationError extends BadRequestException {
  override readonly name = 'MessageValidationError';

  constructor(
    /** The message's class name. */
    readonly messageType: string,
    /** Every failing field, in class-validator's order. */
    readonly errors: ReadonlyArray<MessageValidationIssue>,
  ) {
    const issues = errors.map(({ property, constraints }) => ({ property, constraints }));
    const response: MessageValidationResponse = {
      statusCode: HttpStatus.BAD_REQUEST,
      error: 'Bad Request',
      message: `${messageType} failed validation`,
      messageType,
      errors: issues,
    };
    super(response);
    // The HTTP body keeps the short message; logs and Sentry get every field.
    this.message = `${messageType} failed validation: ${errors.map(describeIssue).join(', ')}`;
  }

  override getResponse(): MessageValidationResponse {
    return super.getResponse() as MessageValidationResponse;
  }
}

function describeIssue(issue: MessageValidationIssue): string {
  const constraints = Object.entries(issue.constraints).map(
    ([constraint, message]) => `${constraint}: ${message}`,
  );
  return `${issue.property} (${constraints.join('; ')})`;
}
