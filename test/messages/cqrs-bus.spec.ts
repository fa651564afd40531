import { Inject, Scope } from '@nestjs/common';
import { REQUEST } from '@nestjs/core';
import {
  AsyncContext,
  CommandBus,
  CommandHandler,
  CqrsModule,
  EventBus,
  EventsHandler,
  QueryBus,
  QueryHandler,
  type ICommandHandler,
  type IEventHandler,
  type IQueryHandler,
} from '@nestjs/cqrs';
import { Test, type TestingModule } from '@nestjs/testing';
import { BaseCommand, BaseEvent, PaginatedQuery } from '../../lib/messages';

// Compile-time equality (not mere assignability, which `any` would pass).
type Equals<A, B> =
  (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;

interface User {
  id: string;
  name: string;
}

class CreateUser extends BaseCommand<User> {
  declare readonly name: string;
}

class ListUsers extends PaginatedQuery<User[]> {}

class UserCreated extends BaseEvent {
  declare readonly userId: string;
}

class AuditUser extends BaseCommand<AsyncContext | undefined> {
  declare readonly userId: string;
}

@CommandHandler(CreateUser)
class CreateUserHandler implements ICommandHandler<CreateUser> {
  readonly received: CreateUser[] = [];

  constructor(private readonly eventBus: EventBus) {}

  async execute(command: CreateUser): Promise<User> {
    this.received.push(command);
    const user = { id: `user-${this.received.length}`, name: command.name };
    this.eventBus.publish(new UserCreated({ userId: user.id, correlationId: command.requestId }));
    return user;
  }
}

// Request-scoped: the bus attaches an AsyncContext to the command and resolves the handler
// in it, which is what the command must still allow.
@CommandHandler(AuditUser, { scope: Scope.REQUEST })
class AuditUserHandler implements ICommandHandler<AuditUser> {
  constructor(@Inject(REQUEST) private readonly request: AsyncContext) {}

  async execute(command: AuditUser): Promise<AsyncContext | undefined> {
    return AsyncContext.of(command) === this.request ? this.request : undefined;
  }
}

@QueryHandler(ListUsers)
class ListUsersHandler implements IQueryHandler<ListUsers> {
  async execute(query: ListUsers): Promise<User[]> {
    return [{ id: `offset-${query.offset}`, name: `limit-${query.limit}` }];
  }
}

@EventsHandler(UserCreated)
class UserCreatedHandler implements IEventHandler<UserCreated> {
  readonly received: UserCreated[] = [];

  handle(event: UserCreated): void {
    this.received.push(event);
  }
}

describe('messages on the real @nestjs/cqrs buses', () => {
  let moduleRef: TestingModule;

  beforeEach(async () => {
    moduleRef = await Test.createTestingModule({
      imports: [CqrsModule.forRoot()],
      providers: [CreateUserHandler, AuditUserHandler, ListUsersHandler, UserCreatedHandler],
    }).compile();
    await moduleRef.init();
  });

  afterEach(async () => {
    await moduleRef.close();
  });

  it('routes a BaseCommand to its handler and types the result from BaseCommand<User>', async () => {
    const command = new CreateUser({ name: 'Ada', requestedBy: 'admin' });

    const user = await moduleRef.get(CommandBus).execute(command);

    const typed: Equals<typeof user, User> = true;
    const result: User = user;
    expect(typed).toBe(true);
    expect(result).toEqual({ id: 'user-1', name: 'Ada' });
    expect(moduleRef.get(CreateUserHandler).received).toEqual([command]);
    expect(moduleRef.get(CreateUserHandler).received[0]).toBe(command);
  });

  it('routes a PaginatedQuery to its handler and types the result from PaginatedQuery<User[]>', async () => {
    const users = await moduleRef
      .get(QueryBus)
      .execute(new ListUsers({ page: '3', pageSize: '20' }));

    const typed: Equals<typeof users, User[]> = true;
    expect(typed).toBe(true);
    expect(users).toEqual([{ id: 'offset-40', name: 'limit-20' }]);
  });

  it('lets the bus attach an AsyncContext for a request-scoped handler', async () => {
    const command = new AuditUser({ userId: 'u-1' });

    const context = await moduleRef.get(CommandBus).execute(command);

    expect(context).toBeInstanceOf(AsyncContext);
    expect(AsyncContext.of(command)).toBe(context);
  });

  it('keeps the AsyncContext given to execute for a request-scoped handler', async () => {
    const command = new AuditUser({ userId: 'u-1' });
    const given = new AsyncContext();

    const context = await moduleRef.get(CommandBus).execute(command, given);

    expect(context).toBe(given);
    expect(AsyncContext.of(command)).toBe(given);
  });

  it('delivers a BaseEvent published from a handler to its event handler', async () => {
    const command = new CreateUser({ name: 'Ada' });

    await moduleRef.get(CommandBus).execute(command);
    await new Promise((resolve) => setImmediate(resolve));

    const [event] = moduleRef.get(UserCreatedHandler).received;
    expect(event).toBeInstanceOf(UserCreated);
    expect(event).toMatchObject({ userId: 'user-1', correlationId: command.requestId });
  });
});
