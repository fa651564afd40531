/** A way of dispatching one command, set up once and measured many times. */
export interface Variant {
  readonly name: string;
  readonly dispatch: () => Promise<unknown>;
  readonly close: () => Promise<void>;
  /** A synchronous loop of `iterations` operations, measured instead of awaited `dispatch`es. */
  readonly loop?: (iterations: number) => void;
}

export interface VariantResult {
  readonly name: string;
  /** Median nanoseconds per dispatch over all rounds. */
  readonly nsPerOp: number;
  readonly rounds: number[];
}

/**
 * Runs every variant in each round, in a rotating order, so drift of the machine (frequency,
 * other load, GC) hits all of them alike; reports the median of the per-round means.
 */
export async function measureInterleaved(
  variants: readonly Variant[],
  {
    rounds,
    iterations,
    warmupRounds,
  }: { rounds: number; iterations: number; warmupRounds: number },
): Promise<VariantResult[]> {
  const samples = variants.map(() => [] as number[]);
  for (let round = -warmupRounds; round < rounds; round++) {
    const offset = (round + warmupRounds) % variants.length;
    for (let k = 0; k < variants.length; k++) {
      const index = (k + offset) % variants.length;
      const variant = variants[index]!;
      (globalThis as { gc?: () => void }).gc?.();
      const start = process.hrtime.bigint();
      if (variant.loop) variant.loop(iterations);
      else for (let i = 0; i < iterations; i++) await variant.dispatch();
      const elapsed = Number(process.hrtime.bigint() - start);
      if (round >= 0) samples[index]!.push(elapsed / iterations);
    }
  }
  return variants.map((variant, i) => ({
    name: variant.name,
    nsPerOp: median(samples[i]!),
    rounds: samples[i]!,
  }));
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}
