import { createVariant, SIGNALS_OFF } from './bench-app';
import { measureInterleaved, type Variant, type VariantResult } from './harness';
import { propagationVariants } from './propagation';
import { fullPipelineSpec, handWrittenSpec, installTracerProvider } from './signals';

const BUDGETS: Record<string, { numerator: string; denominator: string; budget: number }[]> = {
  overhead: [{ numerator: 'module, every signal off', denominator: 'bare bus', budget: 1.15 }],
  signals: [
    {
      numerator: 'module, full pipeline',
      denominator: 'same signals written by hand inline',
      budget: 1.25,
    },
  ],
};

async function variantsOf(group: string): Promise<Variant[]> {
  if (group === 'overhead') {
    return [
      await createVariant({ name: 'bare bus' }),
      await createVariant({ name: 'module, every signal off', observability: SIGNALS_OFF }),
      await createVariant({ name: 'module, no-op hook', observability: SIGNALS_OFF, hook: true }),
      await createVariant({
        name: 'module, correlation + validation',
        observability: { ...SIGNALS_OFF, correlation: true, validation: true },
      }),
    ];
  }
  installTracerProvider();
  if (group === 'propagation') return propagationVariants();
  if (group === 'tracing') {
    return [
      await createVariant({ name: 'bare bus' }),
      await createVariant({
        name: 'module, tracing on (+payload)',
        observability: { ...SIGNALS_OFF, correlation: true, tracing: true },
      }),
    ];
  }
  const withFlowMap = fullPipelineSpec('module, full pipeline + flowMap');
  return [
    await createVariant(handWrittenSpec('same signals written by hand inline')),
    await createVariant(fullPipelineSpec('module, full pipeline')),
    // What the message-flow map costs when it is on (off, it registers nothing).
    await createVariant({
      ...withFlowMap,
      observability: { ...withFlowMap.observability, flowMap: true },
    }),
  ];
}

function print(results: VariantResult[], rounds: number, iterations: number, group: string): void {
  const base = results[0]!.nsPerOp;
  console.log(`${rounds} interleaved rounds x ${iterations} dispatches, median ns per dispatch`);
  console.log('variant'.padEnd(42) + 'ns/op'.padStart(10) + `   x ${results[0]!.name}`);
  for (const result of results) {
    console.log(
      result.name.padEnd(42) +
        result.nsPerOp.toFixed(0).padStart(10) +
        (result.nsPerOp / base).toFixed(3).padStart(12),
    );
  }
  const byName = new Map(results.map((r) => [r.name, r.nsPerOp]));
  for (const { numerator, denominator, budget } of BUDGETS[group] ?? []) {
    const ratio = byName.get(numerator)! / byName.get(denominator)!;
    const verdict = ratio <= budget ? 'within' : 'OVER';
    console.log(
      `ratio ${numerator} / ${denominator}: ${ratio.toFixed(3)} (${verdict} budget ${budget})`,
    );
  }
}

async function main(): Promise<void> {
  const group = process.argv[2] ?? 'overhead';
  const rounds = Number(process.env.BENCH_ROUNDS ?? 15);
  const iterations = Number(process.env.BENCH_ITERATIONS ?? 10000);
  const variants = await variantsOf(group);
  const results = await measureInterleaved(variants, { rounds, iterations, warmupRounds: 3 });
  print(results, rounds, iterations, group);
  for (const variant of variants) await variant.close();
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
