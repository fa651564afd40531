import { AsyncContext, Query } from '@nestjs/cqrs';
import { BaseQuery, type QueryProps } from '../../lib/messages';

const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

interface User {
  id: string;
}

class GetUser extends BaseQuery<User> {
  declare readonly userId: string;
}

class FindUserByEmail extends BaseQuery<User | undefined> {
  declare readonly email: string;

  constructor(props: QueryProps<FindUserByEmail>) {
    super(props);
  }
}

describe('BaseQuery', () => {
  it('is a @nestjs/cqrs Query built from one props object with a generated envelope', () => {
    const before = Date.now();
    const query = new GetUser({ userId: 'u-1', requestedBy: 'admin' });

    expect(query).toBeInstanceOf(Query);
    expect(query.userId).toBe('u-1');
    expect(query.requestedBy).toBe('admin');
    expect(query.requestId).toMatch(UUID_V4);
    expect(query.requestedAt).toBeInstanceOf(Date);
    expect(query.requestedAt.getTime()).toBeGreaterThanOrEqual(before);
    expect(query.requestedAt.getTime()).toBeLessThanOrEqual(Date.now());
  });

  it('keeps given envelope values and validates them like a command', () => {
    const query = new GetUser({
      userId: 'u-1',
      requestId: 'q-1',
      correlationId: 'flow-1',
      requestedAt: '2024-01-02T03:04:05Z',
    });

    expect(query).toMatchObject({ requestId: 'q-1', correlationId: 'flow-1' });
    expect(query.requestedAt.toISOString()).toBe('2024-01-02T03:04:05.000Z');
    expect(() => new GetUser({ userId: 'u-1', requestedAt: 'soon' })).toThrow(
      /GetUser\.requestedAt/,
    );
    expect(() => new GetUser(null as never)).toThrow(/^GetUser must be constructed/);
  });

  it('throws a TypeError on reassignment and still accepts an AsyncContext', () => {
    const query = new GetUser({ userId: 'u-1' });
    const mutable = query as unknown as Record<string, unknown>;
    const context = new AsyncContext();

    expect(() => (mutable.userId = 'u-2')).toThrow(TypeError);
    expect(() => (mutable.requestId = 'q-2')).toThrow(TypeError);
    context.attachTo(query);
    expect(AsyncContext.of(query)).toBe(context);
  });

  it('serialises every field with JSON.stringify', () => {
    const query = new GetUser({
      userId: 'u-1',
      requestId: 'q-1',
      requestedAt: '2024-01-02T03:04:05Z',
    });

    expect(JSON.parse(JSON.stringify(query))).toEqual({
      requestId: 'q-1',
      requestedAt: '2024-01-02T03:04:05.000Z',
      userId: 'u-1',
    });
  });

  it('checks subclass fields at compile time when the subclass types its constructor', () => {
    expect(new FindUserByEmail({ email: 'ada@example.com' }).email).toBe('ada@example.com');

    // Checked by `tsc --noEmit` (ts-jest only transpiles); never called.
    const rejectedAtCompileTime = [
      // @ts-expect-error email is required
      () => new FindUserByEmail({}),
      // @ts-expect-error requestId is not writable
      () => (new FindUserByEmail({ email: 'a' }).requestId = 'x'),
    ];
    expect(rejectedAtCompileTime).toHaveLength(2);
  });
});
