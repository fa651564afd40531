import { CommandBus, EventBus, QueryBus } from '@nestjs/cqrs';
import { IsInt, Min } from 'class-validator';
import { BaseEvent, MessageValidationError, PaginatedQuery } from '../../lib';
import { PlaceOrderCommand, Recorder } from '../fixtures/orders.fixture';
import { createTestApp } from '../utils/create-app';
import { QueryHandler, IQueryHandler, EventsHandler, IEventHandler } from '@nestjs/cqrs';

class ListOrdersQuery extends PaginatedQuery<number[]> {}

@QueryHandler(ListOrdersQuery)
class ListOrdersHandler implements IQueryHandler<ListOrdersQuery> {
  calls = 0;
  async execute(query: ListOrdersQuery): Promise<number[]> {
    this.calls++;
    return [query.offset, query.limit];
  }
}

class StockCountedEvent extends BaseEvent {
  @IsInt() @Min(0) declare readonly count: number;
}

@EventsHandler(StockCountedEvent)
class StockCountedHandler implements IEventHandler<StockCountedEvent> {
  calls = 0;
  handle(): void {
    this.calls++;
  }
}

const providers = [ListOrdersHandler, StockCountedHandler];

describe('validation at dispatch', () => {
  it('rejects an invalid command with MessageValidationError listing each field; the handler is not called', async () => {
    const app = await createTestApp({ providers });
    const pending = app.get(CommandBus).execute(new PlaceOrderCommand({ sku: 'A', quantity: 0 }));
    await expect(pending).rejects.toBeInstanceOf(MessageValidationError);
    const error = (await pending.catch((e: unknown) => e)) as MessageValidationError;
    expect(error.messageType).toBe('PlaceOrderCommand');
    expect(error.errors.map((e) => e.property)).toEqual(['quantity']);
    expect(app.get(Recorder).calls).toEqual([]);
    await app.close();
  });

  it('reports page and pageSize of an invalid PaginatedQuery, and answers a valid one', async () => {
    const app = await createTestApp({ providers });
    const error = (await app
      .get(QueryBus)
      .execute(new ListOrdersQuery({ page: 0, pageSize: 101 }))
      .catch((e: unknown) => e)) as MessageValidationError;
    expect(error).toBeInstanceOf(MessageValidationError);
    expect(error.errors.map((e) => e.property).sort()).toEqual(['page', 'pageSize']);
    expect(app.get(ListOrdersHandler).calls).toBe(0);
    await expect(
      app.get(QueryBus).execute(new ListOrdersQuery({ page: 3, pageSize: 20 })),
    ).resolves.toEqual([40, 20]);
    await app.close();
  });

  it('throws from publish for an invalid event; its handlers are not called', async () => {
    const app = await createTestApp({ providers });
    expect(() => app.get(EventBus).publish(new StockCountedEvent({ count: -1 }))).toThrow(
      MessageValidationError,
    );
    expect(app.get(StockCountedHandler).calls).toBe(0);
    await app.close();
  });

  it('with validation: false, invalid messages reach their handlers', async () => {
    const app = await createTestApp({ providers, observability: { validation: false } });
    await expect(
      app
        .get(CommandBus)
        .execute(new PlaceOrderCommand({ sku: 'A', quantity: 0, mode: 'no-event' })),
    ).resolves.toEqual({ ok: true });
    await app.close();
  });

  it('passes class-validator options through (groups)', async () => {
    const app = await createTestApp({
      providers,
      observability: { validation: { groups: ['nothing-here'] } },
    });
    await expect(
      app
        .get(CommandBus)
        .execute(new PlaceOrderCommand({ sku: 'A', quantity: 0, mode: 'no-event' })),
    ).resolves.toEqual({ ok: true });
    await app.close();
  });
});
