/** One failing field of a message. */
export interface MessageValidationIssue {
  /** The field's dotted path: `email`, `address.zip`, `items.0.sku`. */
  readonly property: string;
  /** class-validator constraint name → message, e.g. `{ min: 'quantity must not be less than 1' }`. */
  readonly constraints: Readonly<Record<string, string>>;
  /** Never set: the value may be a secret and this error is logged and sent to Sentry. */
  readonly value?: undefined;
}

/**
 * Thrown at dispatch instead of calling the handler when a message breaks its class-validator
 * rules. Lists every failing field, nested ones by dotted path, and never the values:
 *
 * `CreateOrderCommand failed validation: quantity (min: quantity must not be less than 1), email (isEmail: email must be an email)`
 */
export class MessageValidationError extends Error {
  override readonly name = 'MessageValidationError';

  constructor(
    /** The message's class name. */
    readonly messageType: string,
    /** Every failing field, in class-validator's order. */
    readonly errors: ReadonlyArray<MessageValidationIssue>,
  ) {
    super(`${messageType} failed validation: ${errors.map(describeIssue).join(', ')}`);
  }
}

function describeIssue(issue: MessageValidationIssue): string {
  const constraints = Object.entries(issue.constraints).map(
    ([constraint, message]) => `${constraint}: ${message}`,
  );
  return `${issue.property} (${constraints.join('; ')})`;
}
