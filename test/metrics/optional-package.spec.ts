import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadOptionalPackage } from '../../lib/shared/optional-package';

describe('loadOptionalPackage', () => {
  let dir: string;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'optional-package-'));
    writeFileSync(join(dir, 'throws.js'), "throw new Error('cannot start here');\n");
    writeFileSync(join(dir, 'needs-missing.js'), "require('a-dependency-nobody-installed');\n");
  });

  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('loads an installed package', () => {
    const loaded = loadOptionalPackage<typeof import('prom-client')>('prom-client');
    expect(loaded.status).toBe('loaded');
    expect(loaded.status === 'loaded' && typeof loaded.module.Registry).toBe('function');
  });

  it('reports a package that is not installed as missing', () => {
    expect(loadOptionalPackage('a-package-that-does-not-exist')).toEqual({ status: 'missing' });
  });

  it('reports a package that is there but breaks as failed, with its error', () => {
    const loaded = loadOptionalPackage(join(dir, 'throws.js'));
    expect(loaded).toEqual({ status: 'failed', error: expect.any(Error) });
    expect(loaded.status === 'failed' && (loaded.error as Error).message).toBe('cannot start here');
  });

  it('tells a missing dependency of the package from the package itself', () => {
    const loaded = loadOptionalPackage(join(dir, 'needs-missing.js'));
    expect(loaded.status).toBe('failed');
    expect(loaded.status === 'failed' && (loaded.error as Error).message).toContain(
      'a-dependency-nobody-installed',
    );
  });
});
