import { InvalidObservabilityOptionError } from '../../lib';
import { resolveObservabilityOptions } from '../../lib/options';

describe('the microservices option', () => {
  it('names the option in a validation error', () => {
    expect(() => resolveObservabilityOptions({ microservices: { linkAfterMs: -1 } })).toThrow(
      InvalidObservabilityOptionError,
    );
    expect(() => resolveObservabilityOptions({ microservices: { linkAfterMs: -1 } })).toThrow(
      /microservices\.linkAfterMs/,
    );
    expect(() =>
      resolveObservabilityOptions({ microservices: { consumerTraceByPattern: { a: 'sibling' } } }),
    ).toThrow(/microservices\.consumerTraceByPattern\.a/);
    expect(() => resolveObservabilityOptions({ microservices: { unknown: 1 } })).toThrow(
      /microservices/,
    );
    expect(resolveObservabilityOptions({}).microservices).toEqual({
      consumerTrace: 'child',
      consumerTraceByPattern: {},
      linkAfterMs: 120_000,
      maxPatterns: 200,
    });
  });
});
