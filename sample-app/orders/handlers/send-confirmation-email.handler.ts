import { Logger } from '@nestjs/common';
import { EventsHandler, IEventHandler } from '@nestjs/cqrs';
import { OrderCreatedEvent } from '../events/order-created.event';
import { maskEmail } from '../mask-email';
import { FAILING_EMAIL_SKU } from '../orders.constants';

/** Stands in for a mail service. */
@EventsHandler(OrderCreatedEvent)
export class SendConfirmationEmailHandler implements IEventHandler<OrderCreatedEvent> {
  private readonly logger = new Logger(SendConfirmationEmailHandler.name);

  handle(event: OrderCreatedEvent): void {
    // On request (POST /orders/fail-event): a failing event handler, in every signal.
    if (event.sku === FAILING_EMAIL_SKU) throw new Error('mail service unavailable');
    // The address is masked by hand: the library redacts the payloads it records, but what a
    // handler logs itself is the handler's responsibility.
    this.logger.log({ orderId: event.orderId, to: maskEmail(event.email) }, 'confirmation sent');
  }
}
