import {
  CommandBus,
  CommandHandler,
  EventBus,
  EventsHandler,
  QueryBus,
  QueryHandler,
  type ICommandHandler,
  type IEventHandler,
  type IQueryHandler,
} from '@nestjs/cqrs';
import type { TestingModule } from '@nestjs/testing';
import {
  BaseCommand,
  BaseEvent,
  BaseQuery,
  HookRegistry,
  type CqrsInterceptor,
  type HookRegistrationOptions,
  type InstrumentationHook,
  type OperationAttributes,
} from '../../lib';
import { createTestApp, flush } from '../utils/create-app';
import { EVERY_SIGNAL_OFF } from '../utils/every-signal-off';

/**
 * Without correlation, an operation whose chain is one user hook alone runs without a frame
 * (lone-hook.ts). Each scenario runs on two apps: the hook alone, and the same hook with a
 * second, transparent one inside it (the frame's walk). What the caller and the hook see must
 * be the same on both.
 */

const HANDLER_ERROR = new Error('handler failure');
const HOOK_ERROR = new Error('hook failure');

class PlaceOrder extends BaseCommand<string, { orderId: string }> {}
class FailSynchronously extends BaseCommand<string, { orderId: string }> {}
class FailAsynchronously extends BaseCommand<string, { orderId: string }> {}
class FindOrder extends BaseQuery<string, { orderId: string }> {}
class OrderPlaced extends BaseEvent<{ orderId: string }> {}

const handled: string[] = [];

@CommandHandler(PlaceOrder)
class PlaceOrderHandler implements ICommandHandler<PlaceOrder> {
  async execute(command: PlaceOrder): Promise<string> {
    handled.push(`placed ${command.orderId}`);
    return `order ${command.orderId}`;
  }
}

@CommandHandler(FailSynchronously)
class FailSynchronouslyHandler implements ICommandHandler<FailSynchronously> {
  execute(): Promise<string> {
    handled.push('failed synchronously');
    throw HANDLER_ERROR;
  }
}

@CommandHandler(FailAsynchronously)
class FailAsynchronouslyHandler implements ICommandHandler<FailAsynchronously> {
  async execute(): Promise<string> {
    handled.push('failed asynchronously');
    throw HANDLER_ERROR;
  }
}

@QueryHandler(FindOrder)
class FindOrderHandler implements IQueryHandler<FindOrder> {
  async execute(query: FindOrder): Promise<string> {
    handled.push(`found ${query.orderId}`);
    return `order ${query.orderId}`;
  }
}

@EventsHandler(OrderPlaced)
class OrderPlacedHandler implements IEventHandler<OrderPlaced> {
  handle(event: OrderPlaced): void {
    handled.push(`saw ${event.orderId}`);
  }
}

const HANDLERS = [
  PlaceOrderHandler,
  FailSynchronouslyHandler,
  FailAsynchronouslyHandler,
  FindOrderHandler,
  OrderPlacedHandler,
];

/** How a call ended: returned (then awaited), threw synchronously, or rejected. */
async function settle(call: () => unknown): Promise<string> {
  let returned: unknown;
  try {
    returned = call();
  } catch (error) {
    return `threw ${shown(error)}`;
  }
  try {
    return `resolved ${shown(await returned)}`;
  } catch (error) {
    return `rejected ${shown(error)}`;
  }
}

function shown(value: unknown): string {
  if (value === HANDLER_ERROR) return 'the handler error';
  if (value === HOOK_ERROR) return 'the hook error';
  return value instanceof Error ? `Error(${value.message})` : JSON.stringify(value);
}

/** What a hook saw of its operation: the name and the attributes, the message as its class. */
function seen(operation: string, attributes: OperationAttributes): string {
  const { message, ...rest } = attributes;
  const messageId = (message as { requestId?: string; eventId?: string } | undefined)?.requestId;
  const eventId = (message as { eventId?: string } | undefined)?.eventId;
  const ids = rest.message_id === (messageId ?? eventId) ? 'ids of the message' : 'other ids';
  delete rest.message_id;
  if (rest['event.id'] === eventId) delete rest['event.id'];
  return `${operation} ${JSON.stringify(rest)} ${(message as object).constructor.name}, ${ids}`;
}

interface Scenario {
  name: string;
  /** The hook under test, registered outermost; `log` is the transcript. */
  hook: (log: string[]) => InstrumentationHook | CqrsInterceptor;
  options?: (log: string[]) => HookRegistrationOptions;
  run: (app: TestingModule) => unknown;
  /** The transcript: what the hook logged, what the caller got, which handlers ran. */
  expected: string[];
  /** Where the hook ran from, alone and framed (default: once, and without a frame alone). */
  paths?: readonly [string, string];
}

const PLACE_ATTRIBUTES = {
  kind: 'command',
  message_type: 'PlaceOrder',
  handler: 'PlaceOrderHandler',
  'command.type': 'PlaceOrder',
};
const PLACE_SEEN = `command.execute.PlaceOrder ${JSON.stringify(PLACE_ATTRIBUTES)} PlaceOrder, ids of the message`;

const around =
  (log: string[]): InstrumentationHook =>
  async (operation, attributes, next) => {
    log.push(`hook saw ${seen(operation, attributes)}`);
    const result = await next();
    log.push(`next gave ${shown(result)}`);
    return result;
  };

const place = (app: TestingModule) =>
  app.get(CommandBus).execute(new PlaceOrder({ orderId: 'o-1' }));

const SCENARIOS: Scenario[] = [
  {
    name: 'a hook around next() gives the handler result',
    hook: around,
    run: place,
    expected: [
      `hook saw ${PLACE_SEEN}`,
      'next gave "order o-1"',
      'caller got resolved "order o-1"',
      'handler placed o-1',
    ],
  },
  {
    name: 'a query and its attributes',
    hook: around,
    run: (app) => app.get(QueryBus).execute(new FindOrder({ orderId: 'o-2' })),
    expected: [
      `hook saw query.execute.FindOrder ${JSON.stringify({ kind: 'query', message_type: 'FindOrder', handler: 'FindOrderHandler', 'query.type': 'FindOrder' })} FindOrder, ids of the message`,
      'next gave "order o-2"',
      'caller got resolved "order o-2"',
      'handler found o-2',
    ],
  },
  {
    name: 'a synchronous throw of the handler stays synchronous under an async hook, which saw it reject',
    hook: (log) => async (_operation, _attributes, next) => {
      log.push(`next gave ${await settle(next)}`);
      return 'recovered';
    },
    run: (app) => app.get(CommandBus).execute(new FailSynchronously({ orderId: 'o-3' })),
    expected: [
      'caller got threw the handler error',
      'next gave rejected the handler error',
      'handler failed synchronously',
    ],
  },
  {
    name: 'a rejection of the handler comes through unchanged',
    hook: () => (_operation, _attributes, next) => next(),
    run: (app) => app.get(CommandBus).execute(new FailAsynchronously({ orderId: 'o-4' })),
    expected: ['caller got rejected the handler error', 'handler failed asynchronously'],
  },
  {
    name: 'a second next() rejects with an error naming the operation; the handler runs once',
    hook: (log) => async (_operation, _attributes, next) => {
      const first = await next();
      log.push(`second next gave ${await settle(next)}`);
      return first;
    },
    run: place,
    expected: [
      'second next gave rejected Error(A hook called next() more than once for operation "command.execute.PlaceOrder")',
      'caller got resolved "order o-1"',
      'handler placed o-1',
    ],
  },
  {
    name: 'a hook that answers without next() skips the handler',
    hook: () => () => 'from the cache',
    run: place,
    expected: ['caller got resolved "from the cache"'],
  },
  {
    name: 'a hook that throws synchronously: the caller gets that throw',
    hook: () => () => {
      throw HOOK_ERROR;
    },
    run: place,
    expected: ['caller got threw the hook error'],
  },
  {
    name: 'a hook that calls next() and then throws synchronously: the hook error, the handler ran',
    hook: () => (_operation, _attributes, next) => {
      void next();
      throw HOOK_ERROR;
    },
    run: place,
    expected: ['caller got threw the hook error', 'handler placed o-1'],
  },
  {
    name: 'a predicate that says no: the handler runs as without a hook, its throw synchronous',
    hook: (log) => () => log.push('hook ran'),
    options: () => ({ predicate: (_operation, attributes) => attributes.kind !== 'command' }),
    run: (app) => app.get(CommandBus).execute(new FailSynchronously({ orderId: 'o-5' })),
    paths: ['', ''],
    expected: ['caller got threw the handler error', 'handler failed synchronously'],
  },
  {
    name: 'a predicate sees the operation and its attributes',
    hook: () => (_operation, _attributes, next) => next(),
    options: (log) => ({
      predicate: (operation, attributes) => {
        log.push(`predicate saw ${seen(operation, attributes)}`);
        return true;
      },
    }),
    run: place,
    expected: [
      `predicate saw ${PLACE_SEEN}`,
      'caller got resolved "order o-1"',
      'handler placed o-1',
    ],
  },
  {
    name: 'messageTypes naming another class: the hook does not run',
    hook: (log) => () => log.push('hook ran'),
    options: () => ({ messageTypes: [FindOrder] }),
    run: place,
    paths: ['', ''],
    expected: ['caller got resolved "order o-1"', 'handler placed o-1'],
  },
  {
    name: 'a disabled registration does not run',
    hook: (log) => () => log.push('hook ran'),
    options: () => ({ enabled: false }),
    run: place,
    paths: ['', ''],
    expected: ['caller got resolved "order o-1"', 'handler placed o-1'],
  },
  {
    name: 'an interceptor gets the operation and the attributes as its context',
    hook: (log) => ({
      intercept: (context, next) => {
        log.push(`interceptor saw ${seen(context.operation, context.attributes)}`);
        return next();
      },
    }),
    run: place,
    expected: [
      `interceptor saw ${PLACE_SEEN}`,
      'caller got resolved "order o-1"',
      'handler placed o-1',
    ],
  },
  {
    name: "an event handler's operation",
    hook: (log) => (operation, attributes, next) => {
      if (operation.startsWith('event.handler.')) {
        log.push(`hook saw ${seen(operation, attributes)}`);
      }
      return next();
    },
    run: async (app) => {
      app.get(EventBus).publish(new OrderPlaced({ orderId: 'o-6' }));
      await flush();
    },
    // The event's dispatch through its publication keeps the frame; its handler runs without.
    paths: ['through the frame, without a frame', 'through the frame'],
    expected: [
      `hook saw event.handler.OrderPlaced.OrderPlacedHandler ${JSON.stringify({ kind: 'event', message_type: 'OrderPlaced', handler: 'OrderPlacedHandler', 'event.type': 'OrderPlaced', 'handler.type': 'OrderPlacedHandler' })} OrderPlaced, ids of the message`,
      'caller got resolved undefined',
      'handler saw o-6',
    ],
  },
];

async function transcript(scenario: Scenario, framed: boolean): Promise<string[]> {
  const log: string[] = [];
  const app = await createTestApp({ observability: EVERY_SIGNAL_OFF, handlers: HANDLERS });
  const paths = new Set<string>();
  // Where the hook was called from: the lone path's function, or the frame's walk.
  const notePath = () => {
    const stack = new Error().stack ?? '';
    paths.add(stack.includes('at runLoneHook') ? 'without a frame' : 'through the frame');
  };
  try {
    const registry = app.get(HookRegistry);
    const hook = scenario.hook(log);
    const options = { priority: 0, ...scenario.options?.(log) };
    if (typeof hook === 'function') {
      registry.register((operation, attributes, next) => {
        notePath();
        return hook(operation, attributes, next);
      }, options);
    } else {
      registry.register(
        {
          intercept: (context, next) => {
            notePath();
            return hook.intercept(context, next);
          },
        },
        options,
      );
    }
    if (framed) registry.register((_operation, _attributes, next) => next(), { priority: 10 });
    handled.length = 0;
    log.push(`caller got ${await settle(() => scenario.run(app))}`);
    await flush();
    log.push(...handled.map((line) => `handler ${line}`));
  } finally {
    await app.close();
  }
  log.push(`paths: ${[...paths].join(', ')}`);
  return log;
}

describe("a user hook that is its operations' whole chain (no frame)", () => {
  it.each(SCENARIOS.map((scenario) => [scenario.name, scenario] as const))(
    '%s',
    async (_name, scenario) => {
      const alone = await transcript(scenario, false);
      const framed = await transcript(scenario, true);
      const [alonePath, framedPath] = scenario.paths ?? ['without a frame', 'through the frame'];
      expect(alone).toEqual([...scenario.expected, `paths: ${alonePath}`]);
      expect(framed).toEqual([...scenario.expected, `paths: ${framedPath}`]);
    },
  );
});
