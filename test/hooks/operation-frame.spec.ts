import { FailureReporter } from '../../lib/errors/failure-reporter';
import { HookRegistry } from '../../lib/hooks/hook.registry';
import type { OutcomeObserver } from '../../lib/hooks/operation-frame';

const OP = 'command.execute.PlaceOrderCommand';

function recorder(
  log: string[],
  name: string,
  reporter?: FailureReporter,
): OutcomeObserver<string> {
  return {
    onSuccess: (state, result) => log.push(`${name}:${state}:ok:${String(result)}`),
    onError: (state, error) => log.push(`${name}:${state}:error:${(error as Error).message}`),
    report: (failure) => reporter?.report(name, failure),
  };
}

/** A watching signal at `priority` that has `observer` told how the rest of the chain ends. */
function watching(
  registry: HookRegistry,
  observer: OutcomeObserver<string>,
  state: string,
  priority: number,
): void {
  registry.registerSignal(
    { start: (frame) => frame.watch(observer, state), report: observer.report },
    { priority },
  );
}

describe('OperationFrame', () => {
  let registry: HookRegistry;
  beforeEach(() => {
    registry = new HookRegistry();
  });

  it('hands back a plain value and a synchronous throw unchanged', () => {
    const log: string[] = [];
    watching(registry, recorder(log, 'a'), 's', 0);
    expect(registry.run({ operation: OP, attributes: {} }, () => 7)).toBe(7);
    const error = new Error('sync');
    expect(() =>
      registry.run({ operation: OP, attributes: {} }, () => {
        throw error;
      }),
    ).toThrow(error);
    expect(log).toEqual(['a:s:ok:7', 'a:s:error:sync']);
  });

  it('tells the watchers of one operation once, innermost first, through one settlement', async () => {
    const log: string[] = [];
    watching(registry, recorder(log, 'outer'), 'o', -3);
    watching(registry, recorder(log, 'middle'), 'm', -2);
    watching(registry, recorder(log, 'inner'), 'i', -1);
    const handler = Promise.resolve('done');
    const result = registry.run({ operation: OP, attributes: {} }, () => handler);
    expect(result).not.toBe(handler);
    await expect(result).resolves.toBe('done');
    expect(log).toEqual(['inner:i:ok:done', 'middle:m:ok:done', 'outer:o:ok:done']);
  });

  it('rejects with the very same error after telling every watcher', async () => {
    const log: string[] = [];
    watching(registry, recorder(log, 'outer'), 'o', -2);
    watching(registry, recorder(log, 'inner'), 'i', -1);
    const error = new Error('nope');
    await expect(
      registry.run({ operation: OP, attributes: {} }, () => Promise.reject(error)),
    ).rejects.toBe(error);
    expect(log).toEqual(['inner:i:error:nope', 'outer:o:error:nope']);
  });

  it('tells the watchers outside a user hook what the hook made of the result', async () => {
    const log: string[] = [];
    watching(registry, recorder(log, 'outer'), 'o', -2);
    registry.register(async (_operation, _attributes, next) => `wrapped ${String(await next())}`, {
      priority: 0,
    });
    watching(registry, recorder(log, 'inner'), 'i', 1);
    await expect(registry.executeAll(OP, {}, () => Promise.resolve(1))).resolves.toBe('wrapped 1');
    expect(log).toEqual(['inner:i:ok:1', 'outer:o:ok:wrapped 1']);
  });

  it('runs watchers inside a user hook that calls next() later', async () => {
    const log: string[] = [];
    watching(registry, recorder(log, 'outer'), 'o', -2);
    registry.register(async (_operation, _attributes, next) => {
      await new Promise((resolve) => setTimeout(resolve, 1));
      return next();
    });
    watching(registry, recorder(log, 'inner'), 'i', 1);
    await expect(registry.executeAll(OP, {}, () => 'late')).resolves.toBe('late');
    expect(log).toEqual(['inner:i:ok:late', 'outer:o:ok:late']);
  });

  it('reports a watcher that throws and still settles the others and the caller', async () => {
    const warnings: string[] = [];
    const reporter = new FailureReporter({ warn: (message: string) => warnings.push(message) });
    const log: string[] = [];
    watching(registry, recorder(log, 'outer'), 'o', -2);
    const broken: OutcomeObserver<string> = {
      onSuccess: () => {
        throw new Error('observer broke');
      },
      onError: () => undefined,
      report: (failure) => reporter.report('broken-observer', failure),
    };
    watching(registry, broken, 'b', -1);
    await expect(
      registry.run({ operation: OP, attributes: {} }, () => Promise.resolve('v')),
    ).resolves.toBe('v');
    expect(log).toEqual(['outer:o:ok:v']);
    expect(warnings).toEqual([
      expect.stringContaining('broken-observer failed: Error: observer broke'),
    ]);
  });

  it('reports a watching signal whose start throws, and runs the operation', () => {
    const failures: unknown[] = [];
    const failure = new Error('start broke');
    registry.registerSignal(
      {
        start: () => {
          throw failure;
        },
        report: (error) => failures.push(error),
      },
      {},
    );
    expect(registry.run({ operation: OP, attributes: {} }, () => 'ran')).toBe('ran');
    expect(failures).toEqual([failure]);
  });
});
