import { Inject, Scope } from '@nestjs/common';
import { REQUEST } from '@nestjs/core';
import {
  AsyncContext,
  CommandBus,
  CommandHandler,
  EventBus,
  EventsHandler,
  type ICommandHandler,
  type IEventHandler,
} from '@nestjs/cqrs';
import type { TestingModule } from '@nestjs/testing';
import { BaseCommand, BaseEvent } from '../../lib';
import { createTestApp, flush } from '../utils/create-app';

class AuditRequested extends BaseEvent<{ label: string }> {}
class RecordAudit extends BaseCommand<{ context: unknown; instance: number }> {}

const seen: Array<{ label: string; instance: number }> = [];
let eventHandlers = 0;
let commandHandlers = 0;

// @nestjs/cqrs resolves a request-scoped event handler per context id (no REQUEST provider).
@EventsHandler(AuditRequested, { scope: Scope.REQUEST })
class AuditRequestedHandler implements IEventHandler<AuditRequested> {
  private readonly instance = ++eventHandlers;
  handle(event: AuditRequested): void {
    seen.push({ label: event.label, instance: this.instance });
  }
}

@CommandHandler(RecordAudit, { scope: Scope.REQUEST })
class RecordAuditHandler implements ICommandHandler<RecordAudit> {
  private readonly instance = ++commandHandlers;
  constructor(@Inject(REQUEST) private readonly context: AsyncContext) {}
  execute(): Promise<{ context: unknown; instance: number }> {
    return Promise.resolve({ context: this.context, instance: this.instance });
  }
}

describe.each([
  ['bare @nestjs/cqrs', false as const],
  ['CqrsObservabilityModule.forRoot()', undefined],
])('frozen messages and request-scoped handlers: %s', (_name, observability) => {
  let app: TestingModule;
  beforeAll(async () => {
    app = await createTestApp({
      observability,
      handlers: [AuditRequestedHandler, RecordAuditHandler],
    });
    // Each class's first instance is built behind its guard; the ones after it are frozen.
    new AuditRequested({ label: 'first' });
    new RecordAudit({});
  });
  afterAll(() => app.close());
  beforeEach(() => {
    seen.length = 0;
  });

  it('resolves one event handler per AsyncContext a frozen event is published with', async () => {
    const context = new AsyncContext();
    const events = ['a', 'b', 'c'].map((label) => new AuditRequested({ label }));
    expect(events.every((event) => Object.isFrozen(event))).toBe(true);

    app.get(EventBus).publish(events[0]!, context);
    app.get(EventBus).publish(events[1]!, context);
    app.get(EventBus).publish(events[2]!);
    await flush();

    const byLabel = new Map(seen.map((entry) => [entry.label, entry]));
    expect([...byLabel.keys()].sort()).toEqual(['a', 'b', 'c']);
    expect(byLabel.get('b')!.instance).toBe(byLabel.get('a')!.instance);
    expect(byLabel.get('c')!.instance).not.toBe(byLabel.get('a')!.instance);
    expect(AsyncContext.of(events[0]!)).toBe(context);
  });

  it('resolves one command handler per AsyncContext, the one the frozen command carries', async () => {
    const context = new AsyncContext();
    const first = new RecordAudit({});
    context.attachTo(first);

    const bus = app.get(CommandBus);
    const withContext = await bus.execute(first);
    const again = await bus.execute(new RecordAudit({}), context);
    const without = await bus.execute(new RecordAudit({}));

    expect(Object.isFrozen(first)).toBe(true);
    expect(withContext.context).toBe(context);
    expect(again.instance).toBe(withContext.instance);
    expect(without.instance).not.toBe(withContext.instance);
    expect(without.context).toBeInstanceOf(AsyncContext);
  });
});
