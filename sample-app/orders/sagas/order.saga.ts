import { Injectable } from '@nestjs/common';
import { ICommand, IEvent, ofType, Saga } from '@nestjs/cqrs';
import { map, Observable } from 'rxjs';
import { ReserveStockCommand } from '../commands/reserve-stock.command';
import { OrderCreatedEvent } from '../events/order-created.event';

/**
 * Each created order reserves its stock. The library runs each emitted command as
 * `saga.run.OrderSaga`, in the same trace and correlation flow as the order that caused it.
 */
@Injectable()
export class OrderSaga {
  @Saga()
  orderCreated = (events$: Observable<IEvent>): Observable<ICommand> =>
    events$.pipe(
      ofType(OrderCreatedEvent),
      map(
        (event) =>
          new ReserveStockCommand({
            orderId: event.orderId,
            sku: event.sku,
            quantity: event.quantity,
          }),
      ),
    );
}
