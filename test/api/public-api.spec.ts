import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import ts from 'typescript';
import * as api from '../../lib';

/**
 * The public API is what lib/index.ts exports; api/exports.txt lists it. A change to the index
 * fails here until the list is regenerated (`UPDATE_API_REPORT=1 npx jest test/api`), so every
 * addition or removal shows in review as a line of that file.
 */
const REPORT = join(__dirname, '../../api/exports.txt');
const INDEX = join(__dirname, '../../lib/index.ts');

function typeOnlyExports(runtime: ReadonlySet<string>): string[] {
  const program = ts.createProgram([INDEX], {
    strict: true,
    experimentalDecorators: true,
    emitDecoratorMetadata: true,
    target: ts.ScriptTarget.ES2021,
    module: ts.ModuleKind.CommonJS,
    moduleResolution: ts.ModuleResolutionKind.Node10,
    skipLibCheck: true,
    noEmit: true,
  });
  const checker = program.getTypeChecker();
  const moduleSymbol = checker.getSymbolAtLocation(program.getSourceFile(INDEX)!)!;
  return checker
    .getExportsOfModule(moduleSymbol)
    .map((symbol) => symbol.getName())
    .filter((name) => !runtime.has(name))
    .sort();
}

function report(): string {
  const runtime = Object.keys(api).sort();
  const types = typeOnlyExports(new Set(runtime));
  return [
    `# Runtime exports of lib/index.ts (${runtime.length})`,
    ...runtime,
    '',
    `# Type-only exports (${types.length})`,
    ...types.map((name) => `type ${name}`),
    '',
  ].join('\n');
}

describe('public API', () => {
  it('is exactly the checked-in api/exports.txt', () => {
    const actual = report();
    if (process.env.UPDATE_API_REPORT === '1') writeFileSync(REPORT, actual);
    expect(actual.split('\n')).toEqual(readFileSync(REPORT, 'utf8').split('\n'));
  }, 60_000);

  it('keeps internals out: the built-in signals and option resolvers are not exported', () => {
    const names = Object.keys(api);
    expect(names).toContain('CqrsObservabilityModule');
    for (const internal of [
      'TracingInterceptor',
      'PayloadInterceptor',
      'resolveRedactionOptions',
      'isValidCorrelationId',
      'messageIdAttributesProvider',
      'OpenTelemetryCqrsSpan',
    ]) {
      expect(names).not.toContain(internal);
    }
  });
});
