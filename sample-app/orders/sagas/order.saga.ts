import { Injectable } from '@nestjs/common';
import { ICommand, IEvent, ofType, Saga } from '@nestjs/cqrs';
import { map, Observable } from 'rxjs';
import { ReserveStockCommand } from '../commands/reserve-stock.command';
import { OrderCreatedEvent } from '../events/order-created.event';
import { SAGA_KILLER_SKU } from '../orders.constants';

/**
 * Each created order reserves its stock. The library runs each emitted command as
 * `saga.run.OrderSaga`, in the same trace and correlation flow as the order that caused it.
 * An order for SAGA_KILLER_SKU kills the stream (once per process): every later order is
 * created without its stock reservation.
 */
@Injectable()
export class OrderSaga {
  @Saga()
  orderCreated = (events$: Observable<IEvent>): Observable<ICommand> =>
    events$.pipe(
      ofType(OrderCreatedEvent),
      map((event) => {
        // On request (POST /orders/kill-saga): the stream dies, as a saga bug would kill it.
        if (event.sku === SAGA_KILLER_SKU) throw new Error('saga bug: cannot reserve stock');
        return new ReserveStockCommand({
          orderId: event.orderId,
          sku: event.sku,
          quantity: event.quantity,
        });
      }),
    );
}
