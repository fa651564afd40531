import { FailureReporter } from '../../lib/errors/failure-reporter';
import {
  fireAndForgetHook,
  HookRegistry,
  type CqrsInterceptor,
  type CqrsOperationContext,
  type HookNext,
  type InstrumentationHook,
  type OperationAttributes,
} from '../../lib';
import { flush } from '../utils/create-app';

const OP = 'command.execute.PlaceOrderCommand';

/** A hook that logs when it enters and leaves, around `next()`. */
function tracing(name: string, log: string[]): InstrumentationHook {
  return async (_operation, _attributes, next) => {
    log.push(`${name}>`);
    try {
      return await next();
    } finally {
      log.push(`<${name}`);
    }
  };
}

function innerLogging(log: string[], value: unknown = 'handled'): jest.Mock {
  return jest.fn(() => {
    log.push('handler');
    return value;
  });
}

class Base {}
class Sub extends Base {}
class Other {}

describe('HookRegistry', () => {
  let registry: HookRegistry;

  beforeEach(() => {
    registry = new HookRegistry();
  });

  describe('order', () => {
    it('runs lower priorities outside higher ones, ties in registration order', async () => {
      const log: string[] = [];
      registry.register(tracing('p10', log), { priority: 10 });
      registry.register(tracing('p0-first', log));
      registry.register(tracing('m5-first', log), { priority: -5 });
      registry.register(tracing('p0-second', log), { priority: 0 });
      registry.register(tracing('m5-second', log), { priority: -5 });
      registry.register(tracing('m1000', log), { priority: -1000 });

      await expect(registry.executeAll(OP, {}, innerLogging(log))).resolves.toBe('handled');

      expect(log).toEqual([
        'm1000>',
        'm5-first>',
        'm5-second>',
        'p0-first>',
        'p0-second>',
        'p10>',
        'handler',
        '<p10',
        '<p0-second',
        '<p0-first',
        '<m5-second',
        '<m5-first',
        '<m1000',
      ]);
    });

    it('keeps registration order for ties when registered after higher priorities', async () => {
      const log: string[] = [];
      registry.register(tracing('b', log), { priority: 1 });
      registry.register(tracing('a', log), { priority: 1 });
      registry.register(tracing('outer', log), { priority: 0 });
      await registry.executeAll(OP, {}, innerLogging(log));
      expect(log.filter((entry) => entry.endsWith('>'))).toEqual(['outer>', 'b>', 'a>']);
    });

    it('runs hook functions and interceptor objects in one chain', async () => {
      const log: string[] = [];
      const interceptor: CqrsInterceptor = {
        async intercept(context: CqrsOperationContext, next: HookNext) {
          log.push(`interceptor ${context.operation}>`);
          const result = await next();
          log.push('<interceptor');
          return result;
        },
      };
      registry.register(tracing('outer', log), { priority: -1 });
      registry.register(interceptor);
      registry.register(tracing('inner', log), { priority: 1 });
      await registry.executeAll(OP, {}, innerLogging(log));
      expect(log).toEqual([
        'outer>',
        `interceptor ${OP}>`,
        'inner>',
        'handler',
        '<inner',
        '<interceptor',
        '<outer',
      ]);
    });

    it('gives every hook the same operation name and attributes object', async () => {
      const seen: Array<[string, OperationAttributes]> = [];
      const attributes: OperationAttributes = {
        kind: 'command',
        message_type: 'PlaceOrderCommand',
      };
      registry.register((operation, attrs, next) => {
        seen.push([operation, attrs]);
        return next();
      });
      registry.register({
        intercept: (context, next) => {
          seen.push([context.operation, context.attributes]);
          return next();
        },
      });
      await registry.executeAll(OP, attributes, () => undefined);
      expect(seen).toHaveLength(2);
      for (const [operation, attrs] of seen) {
        expect(operation).toBe(OP);
        expect(attrs).toBe(attributes);
      }
    });
  });

  describe('filters', () => {
    it('runs a hook only on the operations its patterns match (default: all)', async () => {
      const calls: string[] = [];
      registry.register((op, _a, next) => (calls.push(`events ${op}`), next()), {
        operations: ['event.*'],
      });
      registry.register((op, _a, next) => (calls.push(`all ${op}`), next()));
      await registry.executeAll('event.dispatch.OrderPlaced', {}, () => undefined);
      await registry.executeAll(OP, {}, () => undefined);
      expect(calls).toEqual([
        'events event.dispatch.OrderPlaced',
        'all event.dispatch.OrderPlaced',
        `all ${OP}`,
      ]);
      expect(registry.hasHooksFor('saga.error.OrderSaga')).toBe(true);
    });

    it('answers hasHooksFor from the patterns alone', () => {
      expect(registry.hasHooksFor(OP)).toBe(false);
      const registration = registry.register((_o, _a, next) => next(), {
        operations: ['query.*'],
      });
      expect(registry.hasHooksFor(OP)).toBe(false);
      expect(registry.hasHooksFor('query.execute.GetOrderQuery')).toBe(true);
      registration.unregister();
      expect(registry.hasHooksFor('query.execute.GetOrderQuery')).toBe(false);
    });

    it('runs a hook only when its predicate returns true, given the operation and attributes', async () => {
      const predicate = jest.fn(
        (_operation: string, attributes: OperationAttributes) => attributes.kind === 'query',
      );
      const hook = jest.fn<Promise<unknown>, Parameters<InstrumentationHook>>((_o, _a, next) =>
        next(),
      );
      registry.register(hook, { predicate });

      const command: OperationAttributes = { kind: 'command' };
      const query: OperationAttributes = { kind: 'query' };
      await registry.executeAll(OP, command, () => 'c');
      await expect(
        registry.executeAll('query.execute.GetOrderQuery', query, () => 'q'),
      ).resolves.toBe('q');

      expect(predicate.mock.calls).toEqual([
        [OP, command],
        ['query.execute.GetOrderQuery', query],
      ]);
      expect(hook).toHaveBeenCalledTimes(1);
      expect(hook.mock.calls[0]![0]).toBe('query.execute.GetOrderQuery');
    });

    it('skips a hook whose predicate says no, running the next one', async () => {
      const log: string[] = [];
      registry.register(tracing('skipped', log), { predicate: () => false, priority: -1 });
      registry.register(tracing('kept', log));
      await registry.executeAll(OP, {}, innerLogging(log));
      expect(log).toEqual(['kept>', 'handler', '<kept']);
    });

    it('matches messageTypes on the exact class: a subclass instance does not match', async () => {
      const hook = jest.fn<Promise<unknown>, Parameters<InstrumentationHook>>((_o, _a, next) =>
        next(),
      );
      registry.register(hook, { messageTypes: [Base, Other] });

      const base = new Base();
      const other = new Other();
      for (const message of [base, new Sub(), other, { plain: true }, 'Base', null, undefined]) {
        await registry.executeAll(OP, { message }, () => undefined);
      }
      await registry.executeAll(OP, {}, () => undefined);

      expect(hook.mock.calls.map((call) => call[1].message)).toEqual([base, other]);
    });

    it('treats an empty messageTypes list as no filter', async () => {
      const hook = jest.fn((_o: string, _a: OperationAttributes, next: HookNext) => next());
      registry.register(hook, { messageTypes: [] });
      await registry.executeAll(OP, { message: new Sub() }, () => undefined);
      expect(hook).toHaveBeenCalledTimes(1);
    });
  });

  describe('enabled, unregister and clear', () => {
    it('turns a registration off and on at runtime through its enabled flag', async () => {
      const hook = jest.fn((_o: string, _a: OperationAttributes, next: HookNext) => next());
      const registration = registry.register(hook);
      expect(registration.enabled).toBe(true);

      registration.enabled = false;
      await expect(registry.executeAll(OP, {}, () => 1)).resolves.toBe(1);
      expect(hook).not.toHaveBeenCalled();

      registration.enabled = true;
      await expect(registry.executeAll(OP, {}, () => 2)).resolves.toBe(2);
      expect(hook).toHaveBeenCalledTimes(1);
    });

    it('registers a hook disabled with enabled: false', async () => {
      const hook = jest.fn((_o: string, _a: OperationAttributes, next: HookNext) => next());
      const registration = registry.register(hook, { enabled: false });
      await registry.executeAll(OP, {}, () => undefined);
      expect(hook).not.toHaveBeenCalled();
      registration.enabled = true;
      await registry.executeAll(OP, {}, () => undefined);
      expect(hook).toHaveBeenCalledTimes(1);
    });

    it('exposes the resolved operations and priority on the registration', () => {
      const defaults = registry.register((_o, _a, next) => next());
      expect(defaults.operations).toEqual(['*']);
      expect(defaults.priority).toBe(0);
      const patterns = ['command.*'];
      const custom = registry.register((_o, _a, next) => next(), {
        operations: patterns,
        priority: -3,
      });
      patterns.push('query.*');
      expect(custom.operations).toEqual(['command.*']);
      expect(Object.isFrozen(custom.operations)).toBe(true);
      expect(custom.priority).toBe(-3);
    });

    it('removes a hook on unregister(), idempotently, leaving the others in place', async () => {
      const log: string[] = [];
      const hook = tracing('twice', log);
      const first = registry.register(hook);
      registry.register(hook, { priority: 1 });
      registry.register(tracing('other', log), { priority: 2 });

      first.unregister();
      first.unregister();
      await registry.executeAll(OP, {}, innerLogging(log));

      expect(log).toEqual(['twice>', 'other>', 'handler', '<other', '<twice']);
    });

    it('removes every registration on clear(); old handles stay harmless', async () => {
      const hook = jest.fn((_o: string, _a: OperationAttributes, next: HookNext) => next());
      const old = registry.register(hook);
      registry.register(hook, { operations: ['command.*'] });
      registry.clear();

      expect(registry.hasHooksFor(OP)).toBe(false);
      await expect(registry.executeAll(OP, {}, () => 'bare')).resolves.toBe('bare');
      expect(hook).not.toHaveBeenCalled();

      const fresh = registry.register(hook);
      old.unregister();
      await registry.executeAll(OP, {}, () => undefined);
      expect(hook).toHaveBeenCalledTimes(1);
      fresh.unregister();
      expect(registry.hasHooksFor(OP)).toBe(false);
    });

    it('sees a registration made after an operation already ran (no stale matching)', async () => {
      await registry.executeAll(OP, {}, () => undefined);
      const hook = jest.fn((_o: string, _a: OperationAttributes, next: HookNext) => next());
      registry.register(hook, { operations: [OP] });
      await registry.executeAll(OP, {}, () => undefined);
      expect(hook).toHaveBeenCalledTimes(1);
    });
  });

  describe('results and errors', () => {
    it('short-circuits: a hook that returns without next() skips the handler and gives its value', async () => {
      const log: string[] = [];
      const cached = { cached: true };
      registry.register(tracing('outer', log), { priority: -1 });
      registry.register(async () => cached);
      registry.register(tracing('never', log), { priority: 1 });
      const inner = innerLogging(log);

      await expect(registry.executeAll(OP, {}, inner)).resolves.toBe(cached);
      expect(inner).not.toHaveBeenCalled();
      expect(log).toEqual(['outer>', '<outer']);
    });

    it('hands the handler result back unchanged through every hook', async () => {
      const result = { id: 1 };
      registry.register(tracing('a', []));
      registry.register({ intercept: (_c, next) => next() });
      await expect(registry.executeAll(OP, {}, () => Promise.resolve(result))).resolves.toBe(
        result,
      );
    });

    it('lets a hook replace the result', async () => {
      registry.register(async (_o, _a, next) => ({ wrapped: await next() }));
      await expect(registry.executeAll(OP, {}, () => 7)).resolves.toEqual({ wrapped: 7 });
    });

    it('propagates an error a hook throws on purpose (a rate limiter), synchronously thrown or rejected', async () => {
      const limited = new Error('rate limited');
      const outerSaw: unknown[] = [];
      registry.register(
        async (_o, _a, next) => {
          try {
            return await next();
          } catch (error) {
            outerSaw.push(error);
            throw error;
          }
        },
        { priority: -1 },
      );
      const limiter = registry.register(() => {
        throw limited;
      });
      const inner = jest.fn(() => 'handled');

      await expect(registry.executeAll(OP, {}, inner)).rejects.toBe(limited);

      limiter.unregister();
      registry.register(async () => Promise.reject(limited));
      await expect(registry.executeAll(OP, {}, inner)).rejects.toBe(limited);

      expect(inner).not.toHaveBeenCalled();
      expect(outerSaw).toEqual([limited, limited]);
    });

    it('propagates the handler error object unchanged through the hooks', async () => {
      const failure = new Error('handler failed');
      registry.register(tracing('a', []));
      await expect(
        registry.executeAll(OP, {}, () => {
          throw failure;
        }),
      ).rejects.toBe(failure);
      await expect(registry.executeAll(OP, {}, () => Promise.reject(failure))).rejects.toBe(
        failure,
      );
    });

    it('fails a second next() call with an error naming the operation; the handler runs once', async () => {
      const inner = jest.fn(() => 'once');
      let second: unknown;
      registry.register(async (_o, _a, next) => {
        const first = await next();
        second = await next().catch((error: unknown) => error);
        return first;
      });

      await expect(registry.executeAll(OP, {}, inner)).resolves.toBe('once');
      expect(inner).toHaveBeenCalledTimes(1);
      expect(second).toBeInstanceOf(Error);
      expect((second as Error).message).toBe(
        `A hook called next() more than once for operation "${OP}"`,
      );
    });

    it('gives user hooks a next() that always returns a Promise', async () => {
      let fromNext: unknown;
      registry.register((_o, _a, next) => {
        fromNext = next();
        return fromNext;
      });
      await expect(registry.executeAll(OP, {}, () => 'plain')).resolves.toBe('plain');
      expect(fromNext).toBeInstanceOf(Promise);
    });
  });

  describe('executeAll without a matching hook', () => {
    it('calls next exactly once and resolves to its value', async () => {
      registry.register((_o, _a, next) => next(), { operations: ['query.*'] });
      const value = { v: 1 };
      const next = jest.fn(() => value);

      const result = registry.executeAll(OP, {}, next);

      expect(result).toBeInstanceOf(Promise);
      expect(next).toHaveBeenCalledTimes(1);
      await expect(result).resolves.toBe(value);
    });

    it('works on an empty registry, with a promise-returning next', async () => {
      const value = { v: 2 };
      const next = jest.fn(() => Promise.resolve(value));
      await expect(registry.executeAll(OP, {}, next)).resolves.toBe(value);
      expect(next).toHaveBeenCalledTimes(1);
    });

    it('turns a synchronous throw of next into a rejection', async () => {
      const failure = new Error('sync');
      let result: Promise<unknown> | undefined;
      expect(() => {
        result = registry.executeAll(OP, {}, () => {
          throw failure;
        });
      }).not.toThrow();
      await expect(result).rejects.toBe(failure);
    });
  });

  describe('register() argument checks', () => {
    const hook: InstrumentationHook = (_o, _a, next) => next();

    it.each([
      ['a number', 42],
      ['null', null],
      ['an object without intercept', {}],
      ['an object whose intercept is not a function', { intercept: 'yes' }],
    ])('rejects %s as the hook with a TypeError', (_label, target) => {
      expect(() => registry.register(target as never)).toThrow(TypeError);
      expect(() => registry.register(target as never)).toThrow(/hook must be a function/);
    });

    it.each([
      ['operations', { operations: 'command.*' }],
      ['operations', { operations: [''] }],
      ['operations', { operations: [1] }],
      ['priority', { priority: '1' }],
      ['priority', { priority: Number.NaN }],
      ['priority', { priority: Infinity }],
      ['predicate', { predicate: true }],
      ['messageTypes', { messageTypes: Base }],
      ['messageTypes', { messageTypes: ['Base'] }],
      ['enabled', { enabled: 'yes' }],
      ['operation', { operation: ['command.*'] }],
      ['options', null],
      ['options', 'command.*'],
    ])('names "%s" in the TypeError for %p', (field, options) => {
      let error: unknown;
      try {
        registry.register(hook, options as never);
      } catch (caught) {
        error = caught;
      }
      expect(error).toBeInstanceOf(TypeError);
      expect((error as TypeError).message).toContain(`"${field}"`);
      expect(registry.hasHooksFor(OP)).toBe(false);
    });
  });
});

describe('fireAndForgetHook', () => {
  let registry: HookRegistry;
  let warnings: string[];
  let reporter: FailureReporter;

  // A rejection left unhandled would also fail the test on its own: Jest reports unhandled
  // rejections raised while a test runs as that test's failure.
  beforeEach(() => {
    registry = new HookRegistry();
    warnings = [];
    reporter = new FailureReporter({ warn: (message: unknown) => warnings.push(String(message)) });
  });

  it('runs the matching hooks with a next() that resolves to undefined', async () => {
    const attributes: OperationAttributes = { kind: 'saga', message_type: 'OrderSaga' };
    const results: unknown[] = [];
    registry.register(async (operation, attrs, next) => {
      results.push(operation, attrs, await next());
    });
    expect(
      fireAndForgetHook(registry, 'saga.error.OrderSaga', attributes, reporter),
    ).toBeUndefined();
    await flush();
    expect(results).toEqual(['saga.error.OrderSaga', attributes, undefined]);
    expect(warnings).toEqual([]);
  });

  it('neither throws nor rejects when a hook throws synchronously; it logs a warning', async () => {
    registry.register(() => {
      throw new Error('sync boom');
    });
    expect(() =>
      fireAndForgetHook(registry, 'message_registry.register', {}, reporter),
    ).not.toThrow();
    await flush();
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain('"message_registry.register"');
    expect(warnings[0]).toContain('sync boom');
  });

  it('neither throws nor rejects when a hook rejects; it logs a warning', async () => {
    registry.register(async (_o, _a, next) => {
      await next();
      throw new Error('async boom');
    });
    expect(() =>
      fireAndForgetHook(registry, 'unhandled_exception.FailingEvent', {}, reporter),
    ).not.toThrow();
    await flush();
    await flush();
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain('"unhandled_exception.FailingEvent"');
    expect(warnings[0]).toContain('async boom');
  });

  it('stays silent when the logger itself throws', async () => {
    const broken = new FailureReporter({
      warn: () => {
        throw new Error('logger down');
      },
    });
    registry.register(
      () => {
        throw new Error('sync boom');
      },
      { operations: ['saga.error.*'] },
    );
    registry.register(async () => Promise.reject(new Error('async boom')), {
      operations: ['unhandled_exception.*'],
    });
    expect(() => fireAndForgetHook(registry, 'saga.error.OrderSaga', {}, broken)).not.toThrow();
    expect(() =>
      fireAndForgetHook(registry, 'unhandled_exception.FailingEvent', {}, broken),
    ).not.toThrow();
    await flush();
  });

  it('does nothing when no hook matches', async () => {
    registry.register(
      () => {
        throw new Error('not me');
      },
      { operations: ['command.*'] },
    );
    fireAndForgetHook(registry, 'saga.error.OrderSaga', {}, reporter);
    await flush();
    expect(warnings).toEqual([]);
  });
});
