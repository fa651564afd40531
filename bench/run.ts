import { execFileSync } from 'node:child_process';
import type { ComparisonResult } from './comparison';
import { COMPARISONS, type Comparison } from './comparisons';

/**
 * Runs each comparison in processes of its own — so the JIT's type feedback from one
 * comparison's configurations doesn't slow another's — and, inside each, measures the sides
 * interleaved. The JIT's choices differ from process to process (the same comparison has read
 * 0.95 and 1.31 in two processes a minute apart), so a ratio is the median of
 * `BENCH_PROCESSES` (5) processes, its range printed beside it. Ends with the table of ratios
 * and budgets. `BENCH_ONLY=id,id` runs a subset.
 */
const only = process.env.BENCH_ONLY?.split(',');
const processes = Number(process.env.BENCH_PROCESSES ?? 5);
if (!Number.isInteger(processes) || processes < 1) {
  throw new Error(
    `BENCH_PROCESSES must be a positive integer, got "${process.env.BENCH_PROCESSES}"`,
  );
}
console.log(
  process.env.BENCH_MESSAGES === 'plain'
    ? 'messages: plain classes that copy their fields (BENCH_MESSAGES=plain)'
    : 'messages: BaseCommand subclasses, as the README writes them (BENCH_MESSAGES=plain: plain classes)',
);
console.log(
  `Node ${process.version}, V8 ${process.versions.v8}; ${processes} process(es) a comparison`,
);
const rows: string[] = [];
let over = 0;

/** One process of `comparison`: its printed table, and its result. */
function runOnce(comparison: Comparison): { lines: string[]; result: ComparisonResult } {
  const flags = ['--expose-gc'];
  // The allocation count needs a young generation that fills no semispace during a round.
  if (comparison.measure === 'allocation') flags.push('--max-semi-space-size=256');
  const output = execFileSync(
    process.execPath,
    [...flags, `${__dirname}/comparison.js`, comparison.id],
    { encoding: 'utf8', env: process.env, stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const lines = output.trimEnd().split('\n');
  const result = JSON.parse(lines.pop()!.replace(/^RESULT /, '')) as ComparisonResult;
  return { lines, result };
}

for (const comparison of COMPARISONS) {
  if (only && !only.includes(comparison.id)) continue;
  console.log(`\n## ${comparison.title}`);
  const runs: ComparisonResult[] = [];
  for (let k = 0; k < processes; k++) {
    const { lines, result } = runOnce(comparison);
    if (processes > 1) console.log(`### process ${k + 1}`);
    process.stdout.write(lines.join('\n') + '\n');
    runs.push(result);
  }
  // The median process; ties (an even count) go to the lower one.
  const ranked = runs.filter((run) => run.ratio !== undefined).sort((a, b) => a.ratio! - b.ratio!);
  const result = ranked[(ranked.length - 1) >> 1] ?? runs[0]!;
  const { budget } = comparison;
  let verdict = '';
  if (budget && result.ratio !== undefined) {
    const within =
      budget.bound === 'max' ? result.ratio <= budget.limit : result.ratio >= budget.limit;
    if (!within) over++;
    verdict = `${budget.bound === 'max' ? '≤' : '≥'} ${budget.limit} ${within ? 'within' : 'OVER'}`;
  }
  let ratio = result.ratio === undefined ? '' : result.ratio.toFixed(3);
  if (ranked.length > 1) {
    ratio += ` [${ranked[0]!.ratio!.toFixed(3)}–${ranked[ranked.length - 1]!.ratio!.toFixed(3)}]`;
  }
  rows.push(
    `| ${comparison.title} | ${ratio} ${result.detail ? `(${result.detail})` : ''} | ${verdict} |`,
  );
}

console.log('\n| ratio | measured (median process [range]) | budget |\n| --- | --- | --- |');
for (const row of rows) console.log(row);
console.log(over === 0 ? '\nevery ratio within its budget' : `\n${over} ratio(s) over budget`);
