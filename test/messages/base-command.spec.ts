import { AsyncContext, Command } from '@nestjs/cqrs';
import { BaseCommand, type CommandProps } from '../../lib/messages';

const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

interface User {
  id: string;
  name: string;
}

class CreateUser extends BaseCommand<User> {
  declare readonly name: string;
  declare readonly email?: string;
}

class RenameUser extends BaseCommand<User> {
  declare readonly userId: string;
  declare readonly name: string;
  declare readonly reason?: string;

  constructor(props: CommandProps<RenameUser>) {
    super(props);
  }
}

class Ping extends BaseCommand {}

class ShoutName extends BaseCommand<string> {
  declare readonly name: string;

  get shouted(): string {
    return this.name.toUpperCase();
  }
}

describe('BaseCommand', () => {
  it('copies every prop of the one props object onto the command', () => {
    const command = new CreateUser({ name: 'Ada', email: 'ada@example.com', requestedBy: 'u-1' });

    expect(command.name).toBe('Ada');
    expect(command.email).toBe('ada@example.com');
    expect(command.requestedBy).toBe('u-1');
    expect(command).toBeInstanceOf(CreateUser);
    expect(command).toBeInstanceOf(BaseCommand);
    expect(command).toBeInstanceOf(Command);
  });

  it('generates a UUID v4 requestId and stamps requestedAt with the current time', () => {
    const before = Date.now();
    const command = new CreateUser({ name: 'Ada' });
    const after = Date.now();

    expect(command.requestId).toMatch(UUID_V4);
    expect(new CreateUser({ name: 'Ada' }).requestId).not.toBe(command.requestId);
    expect(command.requestedAt).toBeInstanceOf(Date);
    expect(command.requestedAt.getTime()).toBeGreaterThanOrEqual(before);
    expect(command.requestedAt.getTime()).toBeLessThanOrEqual(after);
    expect('correlationId' in command).toBe(false);
    expect('requestedBy' in command).toBe(false);
  });

  it('keeps the envelope values it is given', () => {
    const requestedAt = new Date('2024-05-06T07:08:09.010Z');
    const command = new CreateUser({
      name: 'Ada',
      requestId: 'order-42:retry.1',
      correlationId: 'flow-7',
      requestedBy: 'user 1 (admin)',
      requestedAt,
    });

    expect(command.requestId).toBe('order-42:retry.1');
    expect(command.correlationId).toBe('flow-7');
    expect(command.requestedBy).toBe('user 1 (admin)');
    expect(command.requestedAt.toISOString()).toBe('2024-05-06T07:08:09.010Z');
  });

  it('copies a given requestedAt so later changes to the caller’s Date do not move it', () => {
    const requestedAt = new Date('2024-05-06T07:08:09.010Z');
    const command = new CreateUser({ name: 'Ada', requestedAt });
    requestedAt.setUTCFullYear(2000);

    expect(command.requestedAt).not.toBe(requestedAt);
    expect(command.requestedAt.toISOString()).toBe('2024-05-06T07:08:09.010Z');
  });

  it('accepts an ISO 8601 requestedAt with Z or an offset, as that instant', () => {
    expect(new Ping({ requestedAt: '2024-05-06T07:08:09Z' }).requestedAt.toISOString()).toBe(
      '2024-05-06T07:08:09.000Z',
    );
    expect(new Ping({ requestedAt: '2024-05-06T09:08+02:00' }).requestedAt.toISOString()).toBe(
      '2024-05-06T07:08:00.000Z',
    );
    expect(new Ping({ requestedAt: '2024-05-06T07:08:09.123456Z' }).requestedAt.getTime()).toBe(
      Date.UTC(2024, 4, 6, 7, 8, 9, 123),
    );
  });

  it.each([
    ['not a date', 'yesterday'],
    ['a date-time without a time zone (local time)', '2024-05-06T07:08:09'],
    ['a calendar date that does not exist', '2024-02-30T00:00:00Z'],
    ['an out-of-range month', '2024-13-01T00:00:00Z'],
    ['an invalid Date', new Date('nope')],
    ['a number', 1714979289000],
  ])('refuses requestedAt that is %s with a TypeError naming the field', (_case, requestedAt) => {
    expect(() => new Ping({ requestedAt: requestedAt as never })).toThrow(TypeError);
    expect(() => new Ping({ requestedAt: requestedAt as never })).toThrow(/Ping\.requestedAt/);
  });

  it('refuses ill-typed or malformed envelope ids without echoing the value', () => {
    // @ts-expect-error requestId is a string
    expect(() => new Ping({ requestId: 42 })).toThrow(/Ping\.requestId must be a string/);
    expect(() => new Ping({ requestId: 'my secret token' })).toThrow(TypeError);
    expect(() => new Ping({ requestId: '' })).toThrow(/Ping\.requestId/);
    expect(() => new Ping({ requestId: 'a'.repeat(129) })).toThrow(/Ping\.requestId/);
    expect(() => new Ping({ requestId: 'a'.repeat(128) })).not.toThrow();
    // @ts-expect-error correlationId is a string
    expect(() => new Ping({ correlationId: 7 })).toThrow(/Ping\.correlationId/);
    expect(() => new Ping({ correlationId: 'new\nline' })).toThrow(/Ping\.correlationId/);
    // @ts-expect-error requestedBy is a string
    expect(() => new Ping({ requestedBy: { id: 1 } })).toThrow(/Ping\.requestedBy/);

    expect(() => new Ping({ requestId: 'my secret token' })).toThrow(
      expect.objectContaining({ message: expect.not.stringContaining('secret') }),
    );
  });

  it.each([
    ['null', null],
    ['a string', 'Ada'],
    ['a number', 42],
    ['an array', [{ name: 'Ada' }]],
  ])('refuses %s as props with a TypeError naming the class', (_case, props) => {
    expect(() => new CreateUser(props as never)).toThrow(TypeError);
    expect(() => new CreateUser(props as never)).toThrow(
      /^CreateUser must be constructed from one props object/,
    );
  });

  it('can be built without props when it has no fields of its own', () => {
    const ping = new Ping();

    expect(ping.requestId).toMatch(UUID_V4);
    expect(Object.keys(ping)).toEqual(['requestId', 'requestedAt']);
  });

  it('leaves undefined props undefined rather than defining them', () => {
    const command = new CreateUser({ name: 'Ada', email: undefined, correlationId: undefined });

    expect(Object.keys(command)).toEqual(['requestId', 'requestedAt', 'name']);
    expect('email' in command).toBe(false);
  });

  it('defines every field as an enumerable, read-only own property that cannot be redefined', () => {
    const command = new CreateUser({ name: 'Ada', correlationId: 'flow-1', requestedBy: 'u-1' });

    expect(Object.keys(command)).toEqual([
      'requestId',
      'correlationId',
      'requestedBy',
      'requestedAt',
      'name',
    ]);
    // The first instance of a class stays configurable behind its guard (class-field-guard.ts)
    // until the class's shape is known; either way no field can be redefined.
    for (const key of Object.keys(command)) {
      expect(Object.getOwnPropertyDescriptor(command, key)).toMatchObject({
        enumerable: true,
        writable: false,
      });
      expect(() => Object.defineProperty(command, key, { value: 'other' })).toThrow(TypeError);
    }
    const later = new CreateUser({ name: 'Ada' });
    expect(Object.getOwnPropertyDescriptor(later, 'name')).toMatchObject({ configurable: false });
  });

  it('throws a TypeError when an envelope field is reassigned or deleted', () => {
    const command = new CreateUser({ name: 'Ada', requestedBy: 'u-1' });
    const mutable = command as unknown as Record<string, unknown>;

    expect(() => (mutable.requestId = 'other')).toThrow(TypeError);
    expect(() => (mutable.requestedAt = new Date(0))).toThrow(TypeError);
    expect(() => (mutable.requestedBy = 'u-2')).toThrow(TypeError);
    expect(() => delete mutable.requestId).toThrow(TypeError);
    expect(command.requestedBy).toBe('u-1');
  });

  it('throws a TypeError when a subclass field is reassigned or redefined', () => {
    const command = new CreateUser({ name: 'Ada' });
    const mutable = command as unknown as Record<string, unknown>;

    expect(() => (mutable.name = 'Eve')).toThrow(TypeError);
    expect(() => Object.defineProperty(command, 'name', { value: 'Eve' })).toThrow(TypeError);
    expect(command.name).toBe('Ada');
  });

  it('is frozen from the second instance of its class on, and still takes an AsyncContext', () => {
    new CreateUser({ name: 'first' });
    const command = new CreateUser({ name: 'Ada' });
    const context = new AsyncContext();

    expect(Object.isFrozen(command)).toBe(true);
    expect(() => ((command as unknown as Record<string, unknown>).extra = 1)).toThrow(TypeError);
    expect(AsyncContext.isAttached(command)).toBe(false);
    expect(AsyncContext.of(command)).toBeUndefined();

    context.attachTo(command);

    expect(AsyncContext.isAttached(command)).toBe(true);
    expect(AsyncContext.of(command)).toBe(context);
    expect(Object.keys(command)).toEqual(['requestId', 'requestedAt', 'name']);
    // Each message holds its own context.
    expect(AsyncContext.of(new CreateUser({ name: 'Eve' }))).toBeUndefined();
  });

  it('carries an AsyncContext from one frozen message to another, as @nestjs/cqrs merges it', () => {
    const context = new AsyncContext();
    const from = new Ping({});
    const to = new Ping({});
    const plain = { kind: 'not a message' };
    context.attachTo(from);

    AsyncContext.merge(from, to);
    AsyncContext.merge(from, plain);
    AsyncContext.merge(new Ping({}), to);

    expect(AsyncContext.of(to)).toBe(context);
    // Other targets keep upstream's own behaviour: the symbol is defined on them.
    expect(AsyncContext.of(plain)).toBe(context);
    expect(Object.getOwnPropertySymbols(plain)).toHaveLength(1);
    expect(() => context.attachTo(Object.freeze({}))).toThrow(TypeError);
  });

  it('serialises every field with JSON.stringify', () => {
    const command = new CreateUser({
      name: 'Ada',
      requestId: '2f1c1b1e-0d1a-4c51-8e54-4b8b1f0f7f11',
      correlationId: 'flow-1',
      requestedBy: 'u-1',
      requestedAt: '2024-05-06T07:08:09.010Z',
    });
    new AsyncContext().attachTo(command);

    expect(JSON.parse(JSON.stringify(command))).toEqual({
      requestId: '2f1c1b1e-0d1a-4c51-8e54-4b8b1f0f7f11',
      correlationId: 'flow-1',
      requestedBy: 'u-1',
      requestedAt: '2024-05-06T07:08:09.010Z',
      name: 'Ada',
    });
  });

  it('rebuilds a copy from another command, ids included', () => {
    const original = new CreateUser({ name: 'Ada', correlationId: 'flow-1' });
    const copy = new CreateUser({ ...original });

    expect(copy).not.toBe(original);
    expect(copy).toEqual(original);
  });

  it('refuses a prop that would shadow a getter or method of the class', () => {
    expect(() => new ShoutName({ name: 'Ada', shouted: 'EVE' })).toThrow(
      'ShoutName: prop "shouted" would shadow a member of the class.',
    );
    expect(() => new ShoutName({ name: 'Ada', toString: 'x' })).toThrow(TypeError);
    expect(new ShoutName({ name: 'Ada' }).shouted).toBe('ADA');
  });

  it('checks every construction of a frozen class, the same props as the last one or not', () => {
    for (let k = 0; k < 3; k++)
      expect(new ShoutName({ name: `Ada ${k}` }).shouted).toBe(`ADA ${k}`);

    // Same keys as before, one of them now absent: not defined, as on the first instance.
    const unnamed = new ShoutName({ name: undefined as unknown as string });
    expect(Object.isFrozen(unnamed)).toBe(true);
    expect(Object.keys(unnamed)).toEqual(['requestId', 'requestedAt']);
    // Other keys after the same ones: checked again.
    expect(() => new ShoutName({ name: 'Ada', shouted: 'EVE' })).toThrow(/would shadow/);
    expect(() => new ShoutName({ name: 'Ada', requestId: 'not an id!' })).toThrow(
      /ShoutName\.requestId/,
    );
    expect(new ShoutName({ name: 'Eve' }).shouted).toBe('EVE');
  });

  it('checks subclass fields at compile time when the subclass types its constructor', () => {
    const command = new RenameUser({ userId: 'u-1', name: 'Ada', requestedBy: 'admin' });
    expect(command).toMatchObject({ userId: 'u-1', name: 'Ada', requestedBy: 'admin' });
    expect(command.reason).toBeUndefined();

    // Checked by `tsc --noEmit` (ts-jest only transpiles); never called.
    const rejectedAtCompileTime = [
      // @ts-expect-error userId is required
      () => new RenameUser({ name: 'Ada' }),
      // @ts-expect-error unknown field
      () => new RenameUser({ userId: 'u-1', name: 'Ada', nmae: 'x' }),
      // @ts-expect-error name is a string
      () => new RenameUser({ userId: 'u-1', name: 42 }),
      // @ts-expect-error requestedAt is a Date or a string
      () => new RenameUser({ userId: 'u-1', name: 'Ada', requestedAt: 1 }),
    ];
    expect(rejectedAtCompileTime).toHaveLength(4);
  });
});
