import { join } from 'node:path';
import { spawnTypeScript } from '../utils/typescript-child';

/** What a scenario child reports over IPC. */
export interface ScenarioReport {
  readonly type: 'report';
  readonly error?: string;
  readonly [fact: string]: unknown;
}

/** How the child's Node resolves packages: some not installed, some failing as they load. */
export interface Packages {
  /** Resolve as Node does a package that is not installed (`MODULE_NOT_FOUND`). */
  readonly missing?: readonly string[];
  /** Installed but throwing this message while loading (a broken dependency of its own). */
  readonly broken?: Readonly<Record<string, string>>;
}

/**
 * Node's own resolution hooks (`module.registerHooks`, Node >= 22.15), installed before the
 * scenario loads anything: the library's `require` of an optional peer meets exactly what an
 * app without it (or with a broken copy) gives it.
 */
const RESOLUTION_HOOKS = `
{
  const packages = JSON.parse(process.env.CQRS_TEST_PACKAGES);
  const missing = packages.missing || [];
  const broken = packages.broken || {};
  const BROKEN = 'file:///cqrs-test-broken-package/';
  const named = (specifier, name) => specifier === name || specifier.startsWith(name + '/');
  const moduleApi = require('node:module');
  if (typeof moduleApi.registerHooks !== 'function') {
    throw new Error('module.registerHooks needs Node >= 22.15; this is ' + process.version);
  }
  moduleApi.registerHooks({
    resolve(specifier, context, next) {
      if (missing.some((name) => named(specifier, name))) {
        const error = new Error("Cannot find module '" + specifier + "'");
        error.code = 'MODULE_NOT_FOUND';
        throw error;
      }
      const name = Object.keys(broken).find((candidate) => named(specifier, candidate));
      if (name !== undefined) {
        return { url: BROKEN + encodeURIComponent(name) + '.js', format: 'commonjs', shortCircuit: true };
      }
      return next(specifier, context);
    },
    load(url, context, next) {
      if (!url.startsWith(BROKEN)) return next(url, context);
      const name = decodeURIComponent(url.slice(BROKEN.length, -'.js'.length));
      return { format: 'commonjs', source: 'throw new Error(' + JSON.stringify(broken[name]) + ');', shortCircuit: true };
    },
  });
}
`;

/** Runs `scenario` of optional-package.scenario.ts in a child whose Node sees `packages`. */
export function runScenario(scenario: string, packages: Packages): Promise<ScenarioReport> {
  const child = spawnTypeScript(join(__dirname, 'optional-package.scenario.ts'), {
    preamble: RESOLUTION_HOOKS,
    env: {
      ...process.env,
      CQRS_TEST_SCENARIO: scenario,
      CQRS_TEST_PACKAGES: JSON.stringify(packages),
    },
  });
  let output = '';
  const keep = (chunk: Buffer) => (output = (output + chunk.toString('utf8')).slice(-8000));
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`scenario "${scenario}" did not report:\n${output}`));
    }, 60_000);
    child.once('message', (report: ScenarioReport) => {
      clearTimeout(timer);
      if (report.error !== undefined) reject(new Error(`scenario "${scenario}": ${report.error}`));
      else resolve(report);
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`scenario "${scenario}" exited (${code}) without a report:\n${output}`));
    });
  });
}
