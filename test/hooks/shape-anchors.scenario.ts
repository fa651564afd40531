import { writeSync } from 'node:fs';
import {
  CommandBus,
  CommandHandler,
  CqrsModule,
  EventBus,
  EventsHandler,
  ofType,
  Saga,
  type ICommandHandler,
  type IEvent,
  type IEventHandler,
} from '@nestjs/cqrs';
import { Inject, Injectable, Module } from '@nestjs/common';
import { map, type Observable } from 'rxjs';
import { NestFactory } from '@nestjs/core';
import { context, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { AlwaysOffSampler, BasicTracerProvider } from '@opentelemetry/sdk-trace-base';
import { BaseCommand, BaseEvent, CqrsObservabilityModule, HookRegistry } from '../../lib';
import { EVERY_SIGNAL_OFF } from '../utils/every-signal-off';

/**
 * Dispatches commands through the module (correlation, a span that is never sampled, a user
 * hook; with `SCENARIO_SIGNALS=off` the hook alone), each publishing an event to a handler
 * (and one to a saga), forcing a full GC between
 * batches, and writes `BATCHES-START` before the batches
 * whose deoptimisations the spec reads. Run with --trace-deopt and gc exposed.
 */
const NAMES = ['Place', 'Cancel', 'Ship', 'Refund', 'Reserve', 'Release', 'Charge', 'Notify'];

/**
 * Eight command classes, as in an app: the module's code sees more message shapes than it
 * specialises on. (With one or two, code reading a message specialises on its hidden class,
 * which a GC collects with the app's last message of that class, the module's or not.)
 */
const COMMANDS = NAMES.map(
  (name) => ({ [name]: class extends BaseCommand<string, { orderId: string }> {} })[name]!,
);

/** Each command's event: handled by one handler, the first one also by a saga. */
const EVENTS = NAMES.map(
  (name) => ({ [`${name}d`]: class extends BaseEvent<{ orderId: string }> {} })[`${name}d`]!,
);

const HANDLERS = COMMANDS.map((command, i) => {
  class Handler implements ICommandHandler<BaseCommand<string, { orderId: string }>> {
    constructor(@Inject(EventBus) private readonly events: EventBus) {}
    async execute(): Promise<string> {
      this.events.publish(new EVENTS[i]!({ orderId: 'o-1' }));
      return 'done';
    }
  }
  CommandHandler(command)(Handler);
  return Handler;
});

@EventsHandler(...EVENTS)
class EventsSeen implements IEventHandler {
  handle(): void {}
}

/** The first event makes the last command: a saga's emission, its own operation. */
@Injectable()
class OrderSaga {
  @Saga()
  placed = (events$: Observable<IEvent>) =>
    events$.pipe(
      ofType(EVENTS[0]!),
      map(() => new COMMANDS[7]!({ orderId: 'o-1' })),
    );
}

@Module({
  imports: [
    CqrsModule.forRoot(),
    CqrsObservabilityModule.forRoot(
      process.env.SCENARIO_SIGNALS === 'off'
        ? // The hook is then each command's and handler's whole chain (lone-hook.ts).
          EVERY_SIGNAL_OFF
        : { metrics: false, logging: false, sentry: false },
    ),
  ],
  providers: [...HANDLERS, EventsSeen, OrderSaga],
})
class AppModule {}

async function main(): Promise<void> {
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  trace.setGlobalTracerProvider(new BasicTracerProvider({ sampler: new AlwaysOffSampler() }));
  const app = await NestFactory.createApplicationContext(AppModule, { logger: false });
  app.get(HookRegistry).register((_operation, _attributes, next) => next());
  const bus = app.get(CommandBus);
  const gc = (globalThis as unknown as { gc: () => void }).gc;
  const batch = async () => {
    for (let i = 0; i < 20_000; i++) {
      await bus.execute(new COMMANDS[i & 7]!({ orderId: 'o-1' }));
    }
  };
  await batch();
  await batch();
  // Written to the descriptor V8's trace writes to, in order with it.
  writeSync(1, 'BATCHES-START\n');
  for (let round = 0; round < 4; round++) {
    gc();
    await batch();
  }
  writeSync(1, 'BATCHES-END\n');
  await app.close();
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    writeSync(2, `${String(error instanceof Error ? error.stack : error)}\n`);
    process.exit(1);
  },
);
