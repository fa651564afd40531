import { execFileSync } from 'node:child_process';
import type { ComparisonResult } from './comparison';
import { COMPARISONS } from './comparisons';

/**
 * Runs each comparison in a process of its own — so the JIT's type feedback from one
 * comparison's configurations doesn't slow another's — and, inside it, measures the two sides
 * interleaved. Ends with the table of ratios and budgets. `BENCH_ONLY=id,id` runs a subset.
 */
const only = process.env.BENCH_ONLY?.split(',');
console.log(
  process.env.BENCH_MESSAGES === 'plain'
    ? 'messages: plain classes that copy their fields (BENCH_MESSAGES=plain)'
    : 'messages: BaseCommand subclasses, as the README writes them (BENCH_MESSAGES=plain: plain classes)',
);
console.log(`Node ${process.version}, V8 ${process.versions.v8}`);
const rows: string[] = [];
let over = 0;

for (const comparison of COMPARISONS) {
  if (only && !only.includes(comparison.id)) continue;
  console.log(`\n## ${comparison.title}`);
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
  process.stdout.write(lines.join('\n') + '\n');
  const { budget } = comparison;
  let verdict = '';
  if (budget && result.ratio !== undefined) {
    const within =
      budget.bound === 'max' ? result.ratio <= budget.limit : result.ratio >= budget.limit;
    if (!within) over++;
    verdict = `${budget.bound === 'max' ? '≤' : '≥'} ${budget.limit} ${within ? 'within' : 'OVER'}`;
  }
  const ratio = result.ratio === undefined ? '' : result.ratio.toFixed(3);
  rows.push(
    `| ${comparison.title} | ${ratio} ${result.detail ? `(${result.detail})` : ''} | ${verdict} |`,
  );
}

console.log('\n| ratio | measured | budget |\n| --- | --- | --- |');
for (const row of rows) console.log(row);
console.log(over === 0 ? '\nevery ratio within its budget' : `\n${over} ratio(s) over budget`);
