import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as ts from 'typescript';
import { spawnTypeScript } from '../utils/typescript-child';

const LIB = join(__dirname, '../../lib');

// V8's flags, set before any module loads: its deoptimisation trace, and `gc()`.
const PREAMBLE = `
const v8 = require('node:v8');
v8.setFlagsFromString('--trace-deopt');
v8.setFlagsFromString('--expose-gc');
globalThis.gc = require('node:vm').runInNewContext('gc');
`;

/** The functions deoptimised because an object their code checked was collected, by name. */
async function deoptimisedByGc(signals: 'on' | 'off'): Promise<string[]> {
  const child = spawnTypeScript(join(__dirname, 'shape-anchors.scenario.ts'), {
    preamble: PREAMBLE,
    env: { ...process.env, SCENARIO_SIGNALS: signals },
  });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  if (code !== 0) throw new Error(`the scenario exited with ${code}:\n${stderr}`);
  const start = stdout.indexOf('BATCHES-START\n');
  const end = stdout.indexOf('BATCHES-END\n');
  if (start < 0 || end < start) throw new Error(`the scenario wrote no batches:\n${stdout}`);
  const names = new Set<string>();
  for (const line of stdout.slice(start, end).split('\n')) {
    const match = /<SharedFunctionInfo ([^>]*)>.*reason: (?:embedded )?weak objects/.exec(line);
    if (match) names.add(match[1]!);
  }
  return [...names].sort();
}

/**
 * The names V8 gives lib's functions in its trace: functions, class methods, accessors and
 * classes. Methods of object literals are left out: a property descriptor's `get` is named
 * like half the functions of other libraries.
 */
function libFunctionNames(): Set<string> {
  const names = new Set<string>();
  const visit = (node: ts.Node): void => {
    if (
      (ts.isFunctionDeclaration(node) ||
        ts.isFunctionExpression(node) ||
        (ts.isMethodDeclaration(node) && !ts.isObjectLiteralExpression(node.parent)) ||
        ts.isClassDeclaration(node)) &&
      node.name !== undefined
    ) {
      names.add(node.name.getText());
    } else if (ts.isGetAccessorDeclaration(node)) {
      names.add(`get ${node.name.getText()}`);
    }
    ts.forEachChild(node, visit);
  };
  const files = readdirSync(LIB, { recursive: true, encoding: 'utf8' });
  for (const file of files.filter((name) => name.endsWith('.ts'))) {
    const path = join(LIB, file);
    visit(ts.createSourceFile(path, readFileSync(path, 'utf8'), ts.ScriptTarget.Latest, true));
  }
  return names;
}

describe('the hot path across full GCs', () => {
  // Without the shape anchors, each full GC between two batches deoptimised about twenty of
  // them (the frame, the chain's walk, the handler's store, the span wrapper).
  it.each([
    ['correlation, never-sampled tracing and validation', 'on' as const],
    ['every signal off: the hook alone, without a frame', 'off' as const],
  ])(
    "keeps the module's per-dispatch code optimised when a full GC finds no dispatch running: %s",
    async (_name, signals) => {
      const ours = libFunctionNames();
      // `ObservabilityContext.get` (never called by a dispatch) is named like nestjs-cls's
      // `ClsService.get`, which correlation calls on every one: the trace cannot tell them apart.
      ours.delete('get');
      // Node's own `AsyncLocalStorage.snapshot` (a saga's stream takes one per event) is named like
      // `trackFlow`'s private `snapshot`, never called by a dispatch.
      ours.delete('snapshot');
      expect(ours).toContain('OperationFrame');
      expect(ours).toContain('get step');
      // Node's own code behind `AsyncLocalStorage.snapshot()`, which a saga's entry takes for
      // each event: it checks the shapes of the snapshot's resource and bound function.
      const taken = new Set([...ours, 'AsyncResource', 'runInAsyncScope']);
      const deoptimised = (await deoptimisedByGc(signals)).filter((name) => taken.has(name));
      expect(deoptimised).toEqual([]);
    },
    60_000,
  );
});
