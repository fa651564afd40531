import { AsyncContext } from '@nestjs/cqrs';
import { BaseQuery, PaginatedQuery, type PaginatedQueryProps } from '../../lib/messages';

interface User {
  id: string;
}

class ListUsers extends PaginatedQuery<User[]> {
  declare readonly nameContains?: string;
}

class ListOrders extends PaginatedQuery<string[]> {
  declare readonly customerId: string;

  constructor(props: PaginatedQueryProps<ListOrders>) {
    super(props);
  }
}

describe('PaginatedQuery', () => {
  it('defaults to page 1 of 10 items', () => {
    const query = new ListUsers();

    expect(query).toBeInstanceOf(BaseQuery);
    expect(query.page).toBe(1);
    expect(query.pageSize).toBe(10);
    expect(query.offset).toBe(0);
    expect(query.limit).toBe(10);
  });

  it('computes offset = (page - 1) * pageSize and limit = pageSize', () => {
    const query = new ListUsers({ page: 3, pageSize: 25, nameContains: 'ad' });

    expect(query.offset).toBe(50);
    expect(query.limit).toBe(25);
    expect(query.nameContains).toBe('ad');
  });

  it('turns integer strings from a query string into numbers', () => {
    const query = new ListUsers({ page: '2', pageSize: '50' });

    expect(query.page).toBe(2);
    expect(query.pageSize).toBe(50);
    expect(query.offset).toBe(50);
    expect(new ListUsers({ page: '-1' }).page).toBe(-1);
  });

  it.each([
    ['a word', 'abc'],
    ['a decimal', '2.5'],
    ['an empty string', ''],
    ['padded digits', ' 2'],
    ['more digits than a number holds exactly', '1234567890123456'],
  ])('keeps %s as given so validation can report it', (_case, page) => {
    expect(new ListUsers({ page }).page).toBe(page);
  });

  it('does not throw for out-of-range paging: validation at dispatch reports it', () => {
    const query = new ListUsers({ page: 0, pageSize: 101 });

    expect(query.page).toBe(0);
    expect(query.pageSize).toBe(101);
  });

  it('makes page and pageSize immutable own fields and offset and limit getters', () => {
    const query = new ListUsers({ page: 2, requestId: 'q-1', requestedAt: '2024-01-02T03:04:05Z' });
    const mutable = query as unknown as Record<string, unknown>;

    expect(() => (mutable.page = 3)).toThrow(TypeError);
    expect(() => (mutable.pageSize = 3)).toThrow(TypeError);
    expect(() => (mutable.offset = 3)).toThrow(TypeError);
    expect(JSON.parse(JSON.stringify(query))).toEqual({
      requestId: 'q-1',
      requestedAt: '2024-01-02T03:04:05.000Z',
      page: 2,
      pageSize: 10,
    });
  });

  it('refuses offset or limit as props instead of hiding the getters', () => {
    expect(() => new ListUsers({ offset: 5 })).toThrow(/prop "offset" would shadow/);
    expect(() => new ListUsers({ limit: 5 })).toThrow(/prop "limit" would shadow/);
  });

  it('refuses non-object props with a TypeError naming the class', () => {
    expect(() => new ListUsers(null as never)).toThrow(/^ListUsers must be constructed/);
    expect(() => new ListUsers('page=2' as never)).toThrow(/^ListUsers must be constructed/);
  });

  it('accepts an AsyncContext', () => {
    const query = new ListUsers();
    const context = new AsyncContext();
    context.attachTo(query);

    expect(AsyncContext.of(query)).toBe(context);
  });

  it('types its props: own fields required, paging optional, getters excluded', () => {
    expect(new ListOrders({ customerId: 'c-1', page: '2' }).offset).toBe(10);

    // Checked by `tsc --noEmit` (ts-jest only transpiles); never called.
    const rejectedAtCompileTime = [
      // @ts-expect-error customerId is required
      () => new ListOrders({ page: 2 }),
      // @ts-expect-error offset is computed
      () => new ListOrders({ customerId: 'c-1', offset: 5 }),
      // @ts-expect-error page is a number or a string
      () => new ListOrders({ customerId: 'c-1', page: true }),
    ];
    expect(rejectedAtCompileTime).toHaveLength(3);
  });
});
