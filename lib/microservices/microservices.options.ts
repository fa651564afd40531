import {
  assertKnownKeys,
  assertPlainObject,
  optionalNumber,
  optionalOneOf,
  signalSwitch,
} from '../options-validation';

/** Whether a consumer span continues the producer's trace or starts a new trace linked to it. */
export type ConsumerTraceShape = 'child' | 'link';

export interface MicroservicesOptions {
  /**
   * Shape of the consumer (`process {pattern}`) trace: `'child'` continues the producer's
   * trace; `'link'` starts a new trace with a link to the producer span.
   * @default 'child'
   */
  consumerTrace?: ConsumerTraceShape;
  /**
   * Per-pattern overrides of `consumerTrace`, keyed by the pattern as Nest normalises it
   * (a string pattern as is; an object pattern as its JSON with sorted keys).
   * @default {}
   */
  consumerTraceByPattern?: Record<string, ConsumerTraceShape>;
  /**
   * A message older than this (send time to handler start) starts a linked trace whatever
   * the shape says: a replayed or long-queued message should not stretch the sender's trace
   * over hours. `0` turns the age rule off.
   * @default 120000 (2 minutes)
   */
  linkAfterMs?: number;
  /**
   * Most distinct patterns per transport metric; later ones are labelled `_other`.
   * @default 200
   */
  maxPatterns?: number;
}

export interface ResolvedMicroservicesOptions {
  readonly consumerTrace: ConsumerTraceShape;
  readonly consumerTraceByPattern: Readonly<Record<string, ConsumerTraceShape>>;
  readonly linkAfterMs: number;
  readonly maxPatterns: number;
}

const SHAPES: readonly ConsumerTraceShape[] = ['child', 'link'];
export const DEFAULT_LINK_AFTER_MS = 120_000;

export function resolveMicroservicesOptions(
  value: unknown,
  path = 'microservices',
): ResolvedMicroservicesOptions | false {
  const options = signalSwitch(value, path);
  if (options === false) return false;
  assertKnownKeys(options, path, [
    'consumerTrace',
    'consumerTraceByPattern',
    'linkAfterMs',
    'maxPatterns',
  ]);
  const byPattern: Record<string, ConsumerTraceShape> = {};
  if (options.consumerTraceByPattern !== undefined) {
    assertPlainObject(options.consumerTraceByPattern, `${path}.consumerTraceByPattern`);
    for (const [pattern, shape] of Object.entries(options.consumerTraceByPattern)) {
      byPattern[pattern] = optionalOneOf(
        shape,
        `${path}.consumerTraceByPattern.${pattern}`,
        SHAPES,
        'child',
      );
    }
  }
  return Object.freeze({
    consumerTrace: optionalOneOf(options.consumerTrace, `${path}.consumerTrace`, SHAPES, 'child'),
    consumerTraceByPattern: Object.freeze(byPattern),
    linkAfterMs: optionalNumber(options.linkAfterMs, `${path}.linkAfterMs`, DEFAULT_LINK_AFTER_MS, {
      min: 0,
      max: 365 * 24 * 3600_000,
      integer: true,
    }),
    maxPatterns: optionalNumber(options.maxPatterns, `${path}.maxPatterns`, 200, {
      min: 1,
      max: 100_000,
      integer: true,
    }),
  });
}
