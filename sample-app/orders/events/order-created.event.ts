import { BaseEvent, type EventProps } from 'nestjs-cqrs-observability';

/**
 * Published by CreateOrderHandler. Carries the e-mail for the confirmation handler only; the
 * library redacts it wherever the event's payload is recorded.
 */
export class OrderCreatedEvent extends BaseEvent {
  declare readonly orderId: string;
  declare readonly sku: string;
  declare readonly quantity: number;
  declare readonly email: string;

  constructor(props: EventProps<OrderCreatedEvent>) {
    super(props);
  }
}
