import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = join(__dirname, '../..');

// The matrix script is ESM; Jest on Node 24 loads it through require(esm).
const matrix = require(join(ROOT, 'test/compat/matrix.mjs')) as {
  compatibilityTable(): string;
  COMBINATIONS: Array<{ name: string }>;
};
const quickStart = require(join(ROOT, 'test/compat/readme-quick-start.mjs')) as {
  extractQuickStart(readme: string, platform?: string): Map<string, string>;
};

const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');

describe('the README against the compatibility matrix', () => {
  it('shows exactly the combinations .ci/run tests', () => {
    expect(matrix.COMBINATIONS.length).toBeGreaterThanOrEqual(7);
    expect(readme).toContain(matrix.compatibilityTable());
  });

  it('has a complete quick start for the matrix to build, per HTTP platform', () => {
    const express = quickStart.extractQuickStart(readme, 'express');
    const fastify = quickStart.extractQuickStart(readme, 'fastify');
    expect([...express.keys()].sort()).toEqual([
      'app.module.ts',
      'instrument.ts',
      'main.ts',
      'orders.ts',
    ]);
    expect(express.get('app.module.ts')).toContain('CqrsObservabilityModule.forRoot()');
    expect(express.get('main.ts')).not.toContain('FastifyAdapter');
    expect(fastify.get('main.ts')).toContain('new FastifyAdapter()');
    expect(fastify.get('orders.ts')).toBe(express.get('orders.ts'));
  });
});
