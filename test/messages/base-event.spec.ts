import { AsyncContext } from '@nestjs/cqrs';
import { BaseEvent, type EventProps } from '../../lib/messages';

const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

class UserCreated extends BaseEvent {
  declare readonly userId: string;
  declare readonly name?: string;
}

class UserRenamed extends BaseEvent {
  declare readonly userId: string;
  declare readonly name: string;

  constructor(props: EventProps<UserRenamed>) {
    super(props);
  }
}

describe('BaseEvent', () => {
  it('carries a UUID v4 eventId and occurredAt instead of the request envelope', () => {
    const before = Date.now();
    const event = new UserCreated({ userId: 'u-1' });

    expect(event.userId).toBe('u-1');
    expect(event.eventId).toMatch(UUID_V4);
    expect(event.occurredAt).toBeInstanceOf(Date);
    expect(event.occurredAt.getTime()).toBeGreaterThanOrEqual(before);
    expect(event.occurredAt.getTime()).toBeLessThanOrEqual(Date.now());
    expect(Object.keys(event)).toEqual(['eventId', 'occurredAt', 'userId']);
    expect('requestId' in event).toBe(false);
  });

  it('keeps the envelope values it is given', () => {
    const event = new UserCreated({
      userId: 'u-1',
      eventId: 'evt-1',
      correlationId: 'flow-1',
      occurredAt: new Date('2024-01-02T03:04:05.006Z'),
    });

    expect(event).toMatchObject({ eventId: 'evt-1', correlationId: 'flow-1' });
    expect(event.occurredAt.toISOString()).toBe('2024-01-02T03:04:05.006Z');
  });

  it('refuses invalid envelope values and non-object props with a TypeError', () => {
    expect(() => new UserCreated({ userId: 'u-1', eventId: 'has spaces' })).toThrow(
      /UserCreated\.eventId/,
    );
    expect(() => new UserCreated({ userId: 'u-1', occurredAt: new Date(NaN) })).toThrow(
      /UserCreated\.occurredAt/,
    );
    // @ts-expect-error correlationId is a string
    expect(() => new UserCreated({ userId: 'u-1', correlationId: 1 })).toThrow(
      /UserCreated\.correlationId/,
    );
    expect(() => new UserCreated('u-1' as never)).toThrow(/^UserCreated must be constructed/);
  });

  it('throws a TypeError on reassignment and still accepts an AsyncContext', () => {
    const event = new UserCreated({ userId: 'u-1' });
    const mutable = event as unknown as Record<string, unknown>;
    const context = new AsyncContext();

    expect(() => (mutable.userId = 'u-2')).toThrow(TypeError);
    expect(() => (mutable.eventId = 'evt-2')).toThrow(TypeError);
    expect(() => (mutable.occurredAt = new Date())).toThrow(TypeError);
    context.attachTo(event);
    expect(AsyncContext.of(event)).toBe(context);
  });

  it('serialises every field with JSON.stringify', () => {
    const event = new UserCreated({
      userId: 'u-1',
      name: 'Ada',
      eventId: 'evt-1',
      occurredAt: '2024-01-02T03:04:05Z',
    });

    expect(JSON.parse(JSON.stringify(event))).toEqual({
      eventId: 'evt-1',
      occurredAt: '2024-01-02T03:04:05.000Z',
      userId: 'u-1',
      name: 'Ada',
    });
  });

  it('checks subclass fields at compile time when the subclass types its constructor', () => {
    expect(new UserRenamed({ userId: 'u-1', name: 'Ada' }).name).toBe('Ada');

    // Checked by `tsc --noEmit` (ts-jest only transpiles); never called.
    const rejectedAtCompileTime = [
      // @ts-expect-error name is required
      () => new UserRenamed({ userId: 'u-1' }),
      // @ts-expect-error events have no requestedBy
      () => new UserRenamed({ userId: 'u-1', name: 'Ada', requestedBy: 'u-2' }),
    ];
    expect(rejectedAtCompileTime).toHaveLength(2);
  });
});
