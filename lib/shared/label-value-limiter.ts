/** Label value standing for every class name past a signal's `maxMessageTypes` cap. */
export const OTHER_LABEL_VALUE = '_other';

/** Label value for a class name an operation did not carry (a hand-made `executeAll`). */
export const UNKNOWN_LABEL_VALUE = 'unknown';

/** Longest label value written, marker included; longer class names are cut. */
export const MAX_LABEL_VALUE_LENGTH = 128;

/** Ends a label value cut at {@link MAX_LABEL_VALUE_LENGTH}. */
export const LABEL_CUT_MARKER = '...';

/**
 * A label value as written: class names pass as they are, an empty or non-string value is
 * `unknown`, and a name longer than {@link MAX_LABEL_VALUE_LENGTH} is cut to that length, ending
 * with `...` — runtime-generated class names must not make every series kilobytes long.
 */
export function boundedLabelValue(raw: unknown): string {
  if (typeof raw !== 'string' || raw === '') return UNKNOWN_LABEL_VALUE;
  if (raw.length <= MAX_LABEL_VALUE_LENGTH) return raw;
  return raw.slice(0, MAX_LABEL_VALUE_LENGTH - LABEL_CUT_MARKER.length) + LABEL_CUT_MARKER;
}

/**
 * Caps the distinct values of one label dimension: the first `max` values pass as they are,
 * later ones become `_other`. Every metric series costs memory in the app and in the
 * metrics backend, and class names can be generated at runtime; the cap keeps both flat.
 */
export class LabelValueLimiter {
  private readonly seen = new Set<string>();

  constructor(private readonly max: number) {}

  value(raw: unknown): string {
    const value = boundedLabelValue(raw);
    if (this.seen.has(value)) return value;
    if (this.seen.size >= this.max) return OTHER_LABEL_VALUE;
    this.seen.add(value);
    return value;
  }
}

/**
 * Caps the distinct pairs of two labels that make one series together (`event_type` and
 * `handler`): the first `max` pairs pass, later pairs become (`_other`, `_other`). Capping each
 * dimension alone would still allow `max × max` series.
 */
export class LabelPairLimiter {
  private readonly seen = new Set<string>();

  constructor(private readonly max: number) {}

  pair(first: unknown, second: unknown): readonly [string, string] {
    const a = boundedLabelValue(first);
    const b = boundedLabelValue(second);
    // NUL cannot appear in a class name: the key is unambiguous.
    const key = `${a}\u0000${b}`;
    if (this.seen.has(key)) return [a, b];
    if (this.seen.size >= this.max) return [OTHER_LABEL_VALUE, OTHER_LABEL_VALUE];
    this.seen.add(key);
    return [a, b];
  }
}
