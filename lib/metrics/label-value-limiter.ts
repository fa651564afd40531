import { OTHER_LABEL_VALUE, UNKNOWN_LABEL_VALUE } from './metrics.constants';

/**
 * Caps the distinct values of one label dimension: the first `max` values pass as they are,
 * later ones become `_other`. Every Prometheus series costs memory in the app and in
 * Prometheus, and class names can be generated at runtime; the cap keeps both flat.
 */
export class LabelValueLimiter {
  private readonly seen = new Set<string>();

  constructor(private readonly max: number) {}

  value(raw: unknown): string {
    const value = typeof raw === 'string' && raw !== '' ? raw : UNKNOWN_LABEL_VALUE;
    if (this.seen.has(value)) return value;
    if (this.seen.size >= this.max) return OTHER_LABEL_VALUE;
    this.seen.add(value);
    return value;
  }
}
