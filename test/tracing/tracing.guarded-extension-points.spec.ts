import { CommandBus, EventBus } from '@nestjs/cqrs';
import type { TestingModule } from '@nestjs/testing';
import {
  context,
  INVALID_SPAN_CONTEXT,
  ROOT_CONTEXT,
  type Context,
  type ContextManager,
} from '@opentelemetry/api';
import type { CqrsObservabilityModuleOptions, CqrsSpan, SpanFactory } from '../../lib';
import { OrderPlacedEvent, PlaceOrderCommand, Recorder } from '../fixtures/orders.fixture';
import { flush } from '../utils/create-app';
import { CapturingLogger, createLoggedTestApp } from '../metrics/metrics-app';
import { startTracingSdk, type TracingSdk } from './tracing-sdk';

const SPAN_FAILURE = new Error('span backend failure');

type SpanMethod = keyof CqrsSpan;

/** A span whose listed methods throw; the others behave like a plain non-failing span. */
function spanFailingIn(methods: readonly SpanMethod[], runInContextAfter = false): CqrsSpan {
  const fails = (method: SpanMethod) => methods.includes(method);
  const guard = (method: SpanMethod) => {
    if (fails(method)) throw SPAN_FAILURE;
  };
  return {
    setAttribute: () => guard('setAttribute'),
    setAttributes: () => guard('setAttributes'),
    addEvent: () => guard('addEvent'),
    recordError: () => guard('recordError'),
    end: () => guard('end'),
    isRecording: () => {
      guard('isRecording');
      return true;
    },
    spanContext: () => {
      guard('spanContext');
      return INVALID_SPAN_CONTEXT;
    },
    runInContext<T>(fn: () => T): T {
      if (fails('runInContext') && !runInContextAfter) throw SPAN_FAILURE;
      const result = fn();
      if (fails('runInContext')) throw SPAN_FAILURE;
      return result;
    },
  };
}

class FailingSpanFactory implements SpanFactory {
  constructor(private readonly make: () => CqrsSpan) {}
  createRootTrace = () => this.make();
  createDispatchSpan = () => this.make();
  createHandlerSpan = () => this.make();
  createInternalSpan = () => this.make();
  registerSpanAttributesProvider(): void {}
  propagateContext<C extends object>(carrier: C): C {
    return carrier;
  }
}

const ALL_METHODS: SpanMethod[] = [
  'setAttribute',
  'setAttributes',
  'addEvent',
  'recordError',
  'end',
  'isRecording',
  'spanContext',
  'runInContext',
];

const SCENARIOS: Array<[string, () => CqrsSpan]> = [
  ['runInContext throws before running the operation', () => spanFailingIn(['runInContext'])],
  ['runInContext throws after running the operation', () => spanFailingIn(['runInContext'], true)],
  [
    'runInContext never calls its function',
    () => ({ ...spanFailingIn([]), runInContext: <T>() => 'swallowed' as T }),
  ],
  ['isRecording throws', () => spanFailingIn(['isRecording'])],
  ['every method throws', () => spanFailingIn(ALL_METHODS)],
];

/** Runs the three outcomes of a command and one event through `app`. */
async function expectUnchangedOutcomes(app: TestingModule): Promise<void> {
  const commandBus = app.get(CommandBus);
  const recorder = app.get(Recorder);
  await expect(
    commandBus.execute(new PlaceOrderCommand({ sku: 'A', quantity: 1, mode: 'no-event' })),
  ).resolves.toBe(recorder.result);
  expect(() =>
    commandBus.execute(new PlaceOrderCommand({ sku: 'A', quantity: 1, mode: 'sync-throw' })),
  ).toThrow(recorder.syncError);
  await expect(
    commandBus.execute(new PlaceOrderCommand({ sku: 'A', quantity: 1, mode: 'reject' })),
  ).rejects.toBe(recorder.asyncError);
  app.get(EventBus).publish(new OrderPlacedEvent({ sku: 'E' }));
  await flush();
  expect(recorder.calls).toEqual([
    'PlaceOrderHandler',
    'PlaceOrderHandler',
    'PlaceOrderHandler',
    'SendConfirmationHandler',
    'OrderSaga',
    'ReserveStockHandler',
  ]);
}

const TRACING_ONLY: CqrsObservabilityModuleOptions = {
  metrics: false,
  logging: false,
  sentry: false,
};

describe.each(SCENARIOS)('a custom SpanFactory whose span: %s', (_name, makeSpan) => {
  it('changes no result or error, runs each handler once and is reported once', async () => {
    const logger = new CapturingLogger();
    const app = await createLoggedTestApp(
      {
        ...TRACING_ONLY,
        tracing: { spanFactory: new FailingSpanFactory(makeSpan), payload: true },
      },
      logger,
    );
    try {
      await expectUnchangedOutcomes(app);
      const reports = logger.matching('warn', 'Tracing failed');
      // Rate-limited: one line however many dispatches failed the same way.
      expect(reports).toHaveLength(1);
    } finally {
      await app.close();
    }
  });
});

/** What the broken `with()` does with the call it was given (`run` runs the function). */
type ContextCall = (run: () => unknown) => unknown;

/** An OpenTelemetry context manager whose `with()` misbehaves as `call` does, as a broken custom one might. */
class BrokenContextManager implements ContextManager {
  constructor(private readonly call: ContextCall) {}
  active(): Context {
    return ROOT_CONTEXT;
  }
  with<A extends unknown[], F extends (...args: A) => ReturnType<F>>(
    _context: Context,
    fn: F,
    thisArg?: ThisParameterType<F>,
    ...args: A
  ): ReturnType<F> {
    return this.call(() => fn.apply(thisArg, args)) as ReturnType<F>;
  }
  bind<T>(_context: Context, target: T): T {
    return target;
  }
  enable(): this {
    return this;
  }
  disable(): this {
    return this;
  }
}

/** Each way a context manager breaks around the default span; the operation's outcome must win. */
const CONTEXT_MANAGERS: Array<[string, ContextCall]> = [
  [
    'throws before running the operation',
    () => {
      throw SPAN_FAILURE;
    },
  ],
  [
    'throws after running the operation',
    (run) => {
      try {
        run();
      } catch {
        // Its own failure replaces the operation's.
      }
      throw SPAN_FAILURE;
    },
  ],
  ['never calls its function', () => 'swallowed'],
  [
    'swallows what the operation threw and replaces what it returned',
    (run) => {
      try {
        run();
      } catch {
        // Swallowed.
      }
      return 'replaced';
    },
  ],
];

describe.each(CONTEXT_MANAGERS)(
  'an OpenTelemetry context manager whose with() %s',
  (_name, call) => {
    let sdk: TracingSdk;

    beforeAll(() => {
      sdk = startTracingSdk();
    });

    afterAll(async () => {
      await sdk.shutdown();
    });

    it('changes no result or error; the failure is reported once', async () => {
      context.disable();
      expect(context.setGlobalContextManager(new BrokenContextManager(call))).toBe(true);
      const logger = new CapturingLogger();
      const app = await createLoggedTestApp(TRACING_ONLY, logger);
      try {
        await expectUnchangedOutcomes(app);
        // Rate-limited: one line however many dispatches failed the same way.
        expect(logger.matching('warn', 'Tracing failed')).toHaveLength(1);
      } finally {
        await app.close();
        context.disable();
      }
    });
  },
);
