import { CommandHandler, EventsHandler, QueryHandler, Saga } from '@nestjs/cqrs';
import type { Observable } from 'rxjs';
import {
  COMMAND_HANDLER_METADATA,
  EVENTS_HANDLER_METADATA,
  QUERY_HANDLER_METADATA,
  SAGA_METADATA,
} from '../../lib/bus/cqrs-metadata-keys';

class PlaceOrder {}
class OrderTotal {}
class OrderPlaced {}

@CommandHandler(PlaceOrder)
class PlaceOrderHandler {
  execute(): void {}
}

@QueryHandler(OrderTotal)
class OrderTotalHandler {
  execute(): number {
    return 0;
  }
}

@EventsHandler(OrderPlaced)
class OrderPlacedHandler {
  handle(): void {}
}

class OrderSagas {
  @Saga()
  placed = (events$: Observable<unknown>): Observable<unknown> => events$;
}

// The keys are spelled in the library because @nestjs/cqrs exports no path to them; this proves
// the spelling against the decorators of whichever @nestjs/cqrs is installed.
describe('@nestjs/cqrs metadata keys', () => {
  it('are the keys the installed decorators write', () => {
    expect(Reflect.getMetadata(COMMAND_HANDLER_METADATA, PlaceOrderHandler)).toBe(PlaceOrder);
    expect(Reflect.getMetadata(QUERY_HANDLER_METADATA, OrderTotalHandler)).toBe(OrderTotal);
    expect(Reflect.getMetadata(EVENTS_HANDLER_METADATA, OrderPlacedHandler)).toEqual([OrderPlaced]);
    expect(Reflect.getMetadata(SAGA_METADATA, OrderSagas)).toEqual(['placed']);
  });
});
