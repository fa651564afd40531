import { IsEmail, IsInt, Matches, Max, Min } from 'class-validator';
import { Audit, BaseCommand, type CommandProps } from 'nestjs-cqrs-observability';
import type { Order } from '../order';
import { MAX_QUANTITY, SKU_PATTERN } from '../orders.constants';

/**
 * Places an order. The decorators are checked by the library at dispatch, whoever sends the
 * command (the controller, a queue consumer, a test): an invalid one fails with
 * `MessageValidationError` before the handler runs. `email` is hidden in spans, logs and Sentry
 * by the library's default redaction; `requestedBy` is hashed (see the module options).
 *
 * `@Audit()` fields make up the audit record — who ordered what — on the span (`audit.*`),
 * the log line (`audit`) and the Sentry event, through the same redaction: the actor comes
 * out hashed, like `requestedBy` everywhere else.
 */
export class CreateOrderCommand extends BaseCommand<Order> {
  @Audit('actor')
  declare readonly requestedBy?: string;

  @Audit()
  @Matches(SKU_PATTERN)
  declare readonly sku: string;

  @Audit()
  @IsInt()
  @Min(1)
  @Max(MAX_QUANTITY)
  declare readonly quantity: number;

  @IsEmail()
  declare readonly email: string;

  constructor(props: CommandProps<CreateOrderCommand>) {
    super(props);
  }
}
