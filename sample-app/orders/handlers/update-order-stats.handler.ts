import { EventsHandler, IEventHandler } from '@nestjs/cqrs';
import { getCorrelationId, HookRegistry } from 'nestjs-cqrs-observability';
import { OrderCreatedEvent } from '../events/order-created.event';
import { OrderStats } from '../order-stats';

/** Operation name of the projection step; `projection.process.*` is a framework-hook pattern. */
const PROJECTION_OPERATION = 'projection.process.OrderStats';

/**
 * A read-model projection. Work that is not a CQRS message can still join the pipeline:
 * `executeAll` runs it as a named operation, which the framework hooks installed in AppModule
 * turn into a span under this handler's span.
 */
@EventsHandler(OrderCreatedEvent)
export class UpdateOrderStatsHandler implements IEventHandler<OrderCreatedEvent> {
  constructor(
    private readonly stats: OrderStats,
    private readonly hooks: HookRegistry,
  ) {}

  async handle(event: OrderCreatedEvent): Promise<void> {
    await this.hooks.executeAll(
      PROJECTION_OPERATION,
      {
        message_type: 'OrderCreatedEvent',
        handler: UpdateOrderStatsHandler.name,
        // The framework hook copies primitive attributes onto its span.
        correlation_id: getCorrelationId(),
      },
      () => this.stats.record(event.quantity),
    );
  }
}
