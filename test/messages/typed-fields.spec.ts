import type { CommandBus } from '@nestjs/cqrs';
import { IsInt, Min, validateSync } from 'class-validator';
import { BaseCommand, BaseEvent, BaseQuery, PaginatedQuery } from '../../lib/messages';

interface Order {
  id: string;
}

// The second type argument lists the fields: the constructor takes exactly those (plus the
// envelope), the instance has them read-only, and decorators still go on the class body.
class CreateOrder extends BaseCommand<Order, { sku: string; quantity: number; note?: string }> {
  @IsInt() @Min(1) declare readonly quantity: number;
}

class GetOrder extends BaseQuery<Order | undefined, { id: string }> {}

class ListOrders extends PaginatedQuery<Order[], { sku?: string }> {}

class OrderPlaced extends BaseEvent<{ orderId: string }> {}

class Untyped extends BaseCommand<void> {
  declare readonly sku: string;
}

/** Compiles only while `execute()` of a typed command is typed with the command's result. */
function executeCreateOrder(bus: CommandBus, command: CreateOrder): Promise<Order> {
  return bus.execute(command);
}

describe('message classes with their fields as a type argument', () => {
  it('type-check the props at compile time (this file fails `npm run typecheck` otherwise)', () => {
    const build = (): unknown[] => [
      // @ts-expect-error a misspelt prop
      new CreateOrder({ skuu: 'A-1', quantity: 1 }),
      // @ts-expect-error an ill-typed prop
      new CreateOrder({ sku: 'A-1', quantity: '1' }),
      // @ts-expect-error a missing required prop
      new CreateOrder({ sku: 'A-1' }),
      // @ts-expect-error events check their fields too
      new OrderPlaced({ order: 'o-1' }),
      // @ts-expect-error paging keeps its own types
      new ListOrders({ page: true }),
      // @ts-expect-error so do queries
      new GetOrder({}),
    ];
    // At run time they build (validation at dispatch reports the rest).
    expect(build()).toHaveLength(6);
  });

  it('build immutable messages with typed fields and results', () => {
    const command = new CreateOrder({ sku: 'A-1', quantity: 2, requestedBy: 'u-1' });
    const sku: string = command.sku;
    const requestId: string = command.requestId;
    expect([sku, command.quantity, command.requestedBy]).toEqual(['A-1', 2, 'u-1']);
    expect(requestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(() => {
      // @ts-expect-error fields are read-only
      command.sku = 'B-2';
    }).toThrow(TypeError);
    expect(command).toBeInstanceOf(CreateOrder);
    expect(command).toBeInstanceOf(BaseCommand);
    expect(executeCreateOrder).toBeInstanceOf(Function);

    expect(new GetOrder({ id: 'o-1' }).id).toBe('o-1');
    const list = new ListOrders({ page: '2', pageSize: 5, sku: 'A' });
    expect([list.offset, list.limit, list.sku]).toEqual([5, 5, 'A']);
    expect(new OrderPlaced({ orderId: 'o-1' }).orderId).toBe('o-1');
    expect(new Untyped({ sku: 'A-1', anything: true }).sku).toBe('A-1');
  });

  it('keep class-validator decorators on the fields', () => {
    expect(
      validateSync(new CreateOrder({ sku: 'A-1', quantity: 0 })).map((e) => e.property),
    ).toEqual(['quantity']);
  });
});
