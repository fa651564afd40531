import { type ChildProcess, spawn, type SpawnOptions } from 'node:child_process';
import { join } from 'node:path';

const ROOT = join(__dirname, '../..');

/**
 * Runs a TypeScript entry point in a plain Node process: each .ts file is transpiled on
 * require with the project's compiler options (no type check, no extra dependency).
 */
const RUN_TYPESCRIPT = `
const fs = require('node:fs');
const path = require('node:path');
const [entry, root] = process.argv.slice(1);
const ts = require(require.resolve('typescript', { paths: [root] }));
const config = ts.readConfigFile(path.join(root, 'tsconfig.json'), ts.sys.readFile).config;
const { options } = ts.convertCompilerOptionsFromJson(config.compilerOptions, root);
Object.assign(options, {
  module: ts.ModuleKind.CommonJS, sourceMap: false, inlineSourceMap: true,
  declaration: false, declarationMap: false,
});
require.extensions['.ts'] = (module, filename) => {
  const source = fs.readFileSync(filename, 'utf8');
  module._compile(ts.transpileModule(source, { compilerOptions: options, fileName: filename }).outputText, filename);
};
require(require.resolve('reflect-metadata', { paths: [root] }));
require(entry);
`;

/**
 * Spawns `entry` (a .ts file) with the current Node binary and an IPC channel. `preamble` is
 * JavaScript run first, before any module of the entry loads.
 */
export function spawnTypeScript(
  entry: string,
  options: SpawnOptions & { preamble?: string } = {},
): ChildProcess {
  const { preamble = '', ...spawnOptions } = options;
  const child = spawn(process.execPath, ['-e', preamble + RUN_TYPESCRIPT, entry, ROOT], {
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    ...spawnOptions,
  });
  const kill = () => child.kill('SIGKILL');
  process.once('exit', kill);
  child.once('exit', () => process.off('exit', kill));
  return child;
}
