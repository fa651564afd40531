import type { Gauge } from 'prom-client';
import type { FailureReporter } from '../errors/failure-reporter';
import { MetricLabels } from './metrics.constants';
import type { GaugeSeries } from './series.interfaces';

/** Operations of one kind in flight: a plain number the dispatch path bumps. */
export class InFlightSlot implements GaugeSeries {
  count = 0;

  inc(): void {
    this.count++;
  }

  dec(): void {
    this.count--;
  }
}

// The tracker of each in-flight gauge this library created, so a second app in the same
// process that reuses the gauge adds to the same counts. Weak: a dropped registry frees it.
const trackers = new WeakMap<object, InFlightTracker>();

/**
 * Counts operations in flight per kind in plain numbers and writes them to the gauge only
 * when it is collected (scraped): a dispatch does no label hashing for the gauge, only an
 * increment and a decrement. At most one slot per kind label value.
 */
export class InFlightTracker {
  private readonly slots = new Map<string, InFlightSlot>();

  constructor(
    private readonly reporter: FailureReporter,
    private readonly source: string,
  ) {}

  /** The tracker behind a gauge this library created, if it is one. */
  static of(gauge: object): InFlightTracker | undefined {
    return trackers.get(gauge);
  }

  /** Ties this tracker to the gauge whose `collect` calls `collect`. */
  attach(gauge: object): void {
    trackers.set(gauge, this);
  }

  slotFor(kind: string): InFlightSlot {
    let slot = this.slots.get(kind);
    if (slot === undefined) {
      slot = new InFlightSlot();
      this.slots.set(kind, slot);
    }
    return slot;
  }

  /** Called by prom-client right before the gauge is read. */
  collect(gauge: Gauge<string>): void {
    try {
      for (const [kind, slot] of this.slots) gauge.set({ [MetricLabels.KIND]: kind }, slot.count);
    } catch (error) {
      this.reporter.report(this.source, error);
    }
  }
}
