import { PerformanceObserver } from 'node:perf_hooks';
import { createVariant, deepest, Nest, type BenchApp } from './bench-app';
import { COMPARISONS, type Comparison } from './comparisons';
import { constructionVariants } from './construction';
import { measureInterleaved, type Variant, type VariantResult } from './harness';
import { propagationVariants } from './propagation';
import { installTracerProvider } from './signals';

/** One comparison, run by `run.ts` in a process of its own; its last line is the result. */
export interface ComparisonResult {
  readonly id: string;
  readonly ratio?: number;
  readonly detail: string;
}

const rounds = Number(process.env.BENCH_ROUNDS ?? 15);
const iterations = Number(process.env.BENCH_ITERATIONS ?? 10000);

function printTimes(results: VariantResult[], baseIndex = results.length > 2 ? 0 : 1): void {
  const base = results[baseIndex]!;
  console.log(`${rounds} interleaved rounds x ${iterations} operations, median ns per operation`);
  console.log('variant'.padEnd(46) + 'ns/op'.padStart(10) + `   x ${base.name}`);
  for (const result of results) {
    console.log(
      result.name.padEnd(46) +
        result.nsPerOp.toFixed(0).padStart(10) +
        (result.nsPerOp / base.nsPerOp).toFixed(3).padStart(12),
    );
  }
}

async function timed(variants: Variant[]): Promise<ComparisonResult['ratio']> {
  const results = await measureInterleaved(variants, { rounds, iterations, warmupRounds: 3 });
  printTimes(results);
  for (const variant of variants) await variant.close();
  return results.length === 2 ? results[0]!.nsPerOp / results[1]!.nsPerOp : undefined;
}

/** A measured side, its baseline, and a third variant beside them: ns per operation each. */
async function timedThree(
  variants: [Variant, Variant, Variant],
): Promise<[number, number, number]> {
  const results = await measureInterleaved(variants, { rounds, iterations, warmupRounds: 3 });
  printTimes(results, 1);
  for (const variant of variants) await variant.close();
  return [results[0]!.nsPerOp, results[1]!.nsPerOp, results[2]!.nsPerOp];
}

/** How deep `Nest` handlers dispatching each other synchronously get before the stack ends. */
async function depthOf(app: BenchApp): Promise<number> {
  deepest.depth = 0;
  let error: unknown;
  try {
    // At the stack's end a patched bus may throw where the bare one rejects: either counts.
    await app.bus.execute(new Nest(1, Number.POSITIVE_INFINITY));
  } catch (e) {
    error = e;
  }
  if (!(error instanceof RangeError)) {
    throw new Error(`${app.name}: nesting ended without a RangeError: ${String(error)}`);
  }
  return deepest.depth;
}

async function depth(comparison: Comparison): Promise<ComparisonResult> {
  const apps = await Promise.all(comparison.specs!().map((spec) => createVariant(spec)));
  // Warm: the JIT's optimised frames are smaller than the interpreter's.
  for (const app of apps) for (let k = 0; k < 300; k++) await app.bus.execute(new Nest(1, 40));
  const depths = apps.map(() => [] as number[]);
  for (let round = 0; round < 5; round++) {
    for (let a = 0; a < apps.length; a++) depths[a]!.push(await depthOf(apps[a]!));
  }
  const medians = depths.map((d) => [...d].sort((x, y) => x - y)[2]!);
  apps.forEach((app, a) => console.log(`${app.name.padEnd(46)} depth ${depths[a]!.join(', ')}`));
  for (const app of apps) await app.close();
  return {
    id: comparison.id,
    ratio: medians[0]! / medians[1]!,
    detail: `${medians[0]} / ${medians[1]}`,
  };
}

/** Heap bytes per dispatch, with the young generation large enough that no GC runs meanwhile. */
async function allocation(comparison: Comparison): Promise<ComparisonResult> {
  const apps = await Promise.all(comparison.specs!().map((spec) => createVariant(spec)));
  let collections = 0;
  const observer = new PerformanceObserver((list) => {
    collections += list.getEntries().length;
  });
  observer.observe({ entryTypes: ['gc'] });
  const flush = () => new Promise((resolve) => setTimeout(resolve, 20));
  const count = 500;
  const bytes: number[] = [];
  for (const app of apps) {
    for (let k = 0; k < 5000; k++) await app.dispatch();
    const perDispatch: number[] = [];
    for (let round = 0; round < 9; round++) {
      (globalThis as { gc?: () => void }).gc?.();
      await flush();
      const before = collections;
      const start = process.memoryUsage().heapUsed;
      for (let k = 0; k < count; k++) await app.dispatch();
      const end = process.memoryUsage().heapUsed;
      await flush();
      if (collections === before) perDispatch.push((end - start) / count);
    }
    if (perDispatch.length === 0) throw new Error(`${app.name}: a GC ran in every round`);
    console.log(`${app.name}: ${perDispatch.length} of 9 rounds ran without a GC`);
    const median = [...perDispatch].sort((x, y) => x - y)[perDispatch.length >> 1]!;
    bytes.push(median);
    console.log(`${app.name.padEnd(46)} ${median.toFixed(0)} bytes per dispatch`);
  }
  observer.disconnect();
  for (const app of apps) await app.close();
  return {
    id: comparison.id,
    ratio: bytes[0]! / bytes[1]!,
    detail: `${bytes[0]!.toFixed(0)} B / ${bytes[1]!.toFixed(0)} B`,
  };
}

async function run(comparison: Comparison): Promise<ComparisonResult> {
  if (comparison.tracer && comparison.tracer !== 'none') {
    installTracerProvider({ neverSample: comparison.tracer === 'never-sampled' });
  }
  switch (comparison.measure) {
    case 'depth':
      return depth(comparison);
    case 'allocation':
      return allocation(comparison);
    case 'construct': {
      // BaseCommand, the plain class, and the plain class with read-only own fields: the
      // third shows what `Object.defineProperty` per field costs by itself.
      const [base, plain, readOnly] = await timedThree(constructionVariants());
      return {
        id: comparison.id,
        ratio: base / plain,
        detail: `read-only own fields alone: ${(readOnly / plain).toFixed(2)}`,
      };
    }
    case 'propagation':
      await timed(await propagationVariants());
      return { id: comparison.id, detail: 'see the table above' };
    case 'dispatch': {
      const variants = await Promise.all(comparison.specs!().map((spec) => createVariant(spec)));
      if (comparison.byHand === undefined) {
        return { id: comparison.id, ratio: await timed(variants), detail: '' };
      }
      const [module, bare, byHand] = await timedThree([
        variants[0]!,
        variants[1]!,
        await createVariant(comparison.byHand()),
      ]);
      return {
        id: comparison.id,
        ratio: module / bare,
        detail: `the same by hand: ${(byHand / bare).toFixed(3)}`,
      };
    }
  }
}

async function main(): Promise<void> {
  const id = process.argv[2];
  const comparison = COMPARISONS.find((c) => c.id === id);
  if (!comparison) throw new Error(`no comparison ${String(id)}`);
  const result = await run(comparison);
  console.log(`RESULT ${JSON.stringify(result)}`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
