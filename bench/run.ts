import { execFileSync } from 'node:child_process';

/**
 * Runs each comparison group in a process of its own — so the JIT's type feedback from one
 * group's configurations doesn't slow another's — and, inside a group, measures the variants
 * interleaved. Prints the ratios the budgets are about.
 */
const GROUPS: Array<{ group: string; title: string }> = [
  { group: 'overhead', title: 'module overhead against the bare bus' },
  {
    group: 'tracing',
    title: 'tracing on (spans, payload event, correlation) against the bare bus',
  },
  { group: 'signals', title: 'full pipeline against the same signals written by hand' },
  {
    group: 'propagation',
    title: 'cross-service propagation per message (NATS client, in-memory hand-off)',
  },
];

for (const { group, title } of GROUPS) {
  console.log(`\n## ${title}`);
  const output = execFileSync(process.execPath, ['--expose-gc', `${__dirname}/group.js`, group], {
    encoding: 'utf8',
    env: process.env,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  process.stdout.write(output);
}
