import { createVariant, SIGNALS_OFF } from './bench-app';
import { fullPipelineSpec, handWrittenSpec, installTracerProvider } from './signals';
import { measureInterleaved, type Variant } from './harness';

/**
 * Per-dispatch cost of the bare @nestjs/cqrs CommandBus against the module in several
 * configurations, measured interleaved in one run and reported as ratios.
 */
async function main(): Promise<void> {
  const rounds = Number(process.env.BENCH_ROUNDS ?? 15);
  const iterations = Number(process.env.BENCH_ITERATIONS ?? 5000);
  installTracerProvider();
  const variants: Variant[] = [
    await createVariant({ name: 'bare bus' }),
    await createVariant({ name: 'module, every signal off', observability: SIGNALS_OFF }),
    await createVariant({ name: 'module, no-op hook', observability: SIGNALS_OFF, hook: true }),
    await createVariant({
      name: 'module, correlation only',
      observability: { ...SIGNALS_OFF, correlation: true },
    }),
    await createVariant({
      name: 'module, validation only',
      observability: { ...SIGNALS_OFF, validation: true },
    }),
    await createVariant({
      name: 'module, correlation + validation',
      observability: { ...SIGNALS_OFF, correlation: true, validation: true },
    }),
    await createVariant({
      name: 'module, tracing on (+payload)',
      observability: { ...SIGNALS_OFF, correlation: true, tracing: true },
    }),
    await createVariant(fullPipelineSpec('module, full pipeline')),
    await createVariant(handWrittenSpec('same signals written by hand inline')),
  ];
  const results = await measureInterleaved(variants, { rounds, iterations, warmupRounds: 3 });
  const base = results[0]!.nsPerOp;
  console.log(
    `\n${rounds} interleaved rounds x ${iterations} dispatches, median ns per dispatch\n`,
  );
  console.log('variant'.padEnd(44) + 'ns/op'.padStart(10) + 'x bare'.padStart(10));
  for (const result of results) {
    console.log(
      result.name.padEnd(44) +
        result.nsPerOp.toFixed(0).padStart(10) +
        (result.nsPerOp / base).toFixed(3).padStart(10),
    );
  }
  const byName = new Map(results.map((r) => [r.name, r.nsPerOp]));
  const full = byName.get('module, full pipeline')!;
  const hand = byName.get('same signals written by hand inline')!;
  const off = byName.get('module, every signal off')!;
  console.log(
    `\nevery signal off / bare bus:               ${(off / base).toFixed(3)}  (budget 1.15)`,
  );
  console.log(
    `full pipeline / same signals by hand:      ${(full / hand).toFixed(3)}  (budget 1.25)`,
  );
  for (const variant of variants) await variant.close();
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
