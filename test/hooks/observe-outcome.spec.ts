import { FailureReporter } from '../../lib/errors/failure-reporter';
import { observeOutcome, type OutcomeObserver } from '../../lib/hooks/observe-outcome';

const reporter = new FailureReporter({ warn: () => undefined });

function recorder(log: string[], name: string): OutcomeObserver<string> {
  return {
    onSuccess: (state, result) => log.push(`${name}:${state}:ok:${String(result)}`),
    onError: (state, error) => log.push(`${name}:${state}:error:${(error as Error).message}`),
  };
}

describe('observeOutcome', () => {
  it('hands back a plain value and a synchronous throw unchanged', () => {
    const log: string[] = [];
    expect(observeOutcome(() => 7, recorder(log, 'a'), 's', reporter, 'test', {})).toBe(7);
    const error = new Error('sync');
    expect(() =>
      observeOutcome(
        () => {
          throw error;
        },
        recorder(log, 'a'),
        's',
        reporter,
        'test',
        {},
      ),
    ).toThrow(error);
    expect(log).toEqual(['a:s:ok:7', 'a:s:error:sync']);
  });

  it('tells nested observers of one operation once, innermost first, through one settlement', async () => {
    const log: string[] = [];
    const operation = {};
    const handler = Promise.resolve('done');
    const inner = () =>
      observeOutcome(() => handler, recorder(log, 'inner'), 'i', reporter, 'test', operation);
    const middle = () =>
      observeOutcome(inner, recorder(log, 'middle'), 'm', reporter, 'test', operation);
    const outerResult = observeOutcome(
      middle,
      recorder(log, 'outer'),
      'o',
      reporter,
      'test',
      operation,
    );
    await expect(outerResult).resolves.toBe('done');
    expect(log).toEqual(['inner:i:ok:done', 'middle:m:ok:done', 'outer:o:ok:done']);
  });

  it('rejects with the very same error after telling every observer', async () => {
    const log: string[] = [];
    const operation = {};
    const error = new Error('nope');
    const inner = () =>
      observeOutcome(
        () => Promise.reject(error),
        recorder(log, 'inner'),
        'i',
        reporter,
        'test',
        operation,
      );
    const outer = observeOutcome(inner, recorder(log, 'outer'), 'o', reporter, 'test', operation);
    await expect(outer).rejects.toBe(error);
    expect(log).toEqual(['inner:i:error:nope', 'outer:o:error:nope']);
  });

  it('chains anew when a hook in between returned another promise', async () => {
    const log: string[] = [];
    const operation = {};
    const inner = () =>
      observeOutcome(
        () => Promise.resolve(1),
        recorder(log, 'inner'),
        'i',
        reporter,
        'test',
        operation,
      );
    const userHook = async () => (await inner()) as number;
    await expect(
      observeOutcome(userHook, recorder(log, 'outer'), 'o', reporter, 'test', operation),
    ).resolves.toBe(1);
    expect(log).toEqual(['inner:i:ok:1', 'outer:o:ok:1']);
  });

  it('reports an observer that throws and still settles the others and the caller', async () => {
    const warnings: string[] = [];
    const watching = new FailureReporter({ warn: (message: string) => warnings.push(message) });
    const log: string[] = [];
    const operation = {};
    const broken: OutcomeObserver<string> = {
      onSuccess: () => {
        throw new Error('observer broke');
      },
      onError: () => undefined,
    };
    const inner = () =>
      observeOutcome(
        () => Promise.resolve('v'),
        broken,
        'b',
        watching,
        'broken-observer',
        operation,
      );
    await expect(
      observeOutcome(inner, recorder(log, 'outer'), 'o', watching, 'test', operation),
    ).resolves.toBe('v');
    expect(log).toEqual(['outer:o:ok:v']);
    expect(warnings).toEqual([
      expect.stringContaining('broken-observer failed: Error: observer broke'),
    ]);
  });
});
