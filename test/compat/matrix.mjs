// The compatibility matrix: for each supported combination, a scratch app gets the packed
// library with a plain `npm install`, the README's quick start (extracted from README.md),
// and runs app/e2e.test.mjs under the combination's Node. Prints one line per combination.
//
//   node test/compat/matrix.mjs <library.tgz> [name...]
//
// Node 22 and 24 come from the npm package `node`, installed under COMPAT_TOOLS (default
// .ci/.tools). Scratch apps live under COMPAT_WORK (default .ci/.matrix).
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { extractQuickStart, installCommands, installOverrides } from './readme-quick-start.mjs';

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = resolve(HERE, '../..');
const TOOLS = resolve(process.env.COMPAT_TOOLS ?? join(ROOT, '.ci/.tools'));
const WORK = resolve(process.env.COMPAT_WORK ?? join(ROOT, '.ci/.matrix'));
const NPM_CLI = join(
  execFileSync('npm', ['root', '-g'], { encoding: 'utf8' }).trim(),
  'npm/bin/npm-cli.js',
);

const NEST = {
  11: { '@nestjs/common': '^11', '@nestjs/core': '^11', '@nestjs/cqrs': '^11' },
  12: { '@nestjs/common': '^12', '@nestjs/core': '^12', '@nestjs/cqrs': '^12' },
};
const PLATFORM = {
  express: (nest) => ({ '@nestjs/platform-express': `^${nest}` }),
  fastify: (nest) => ({ '@nestjs/platform-fastify': `^${nest}` }),
};
// The OpenTelemetry lines the README gives: SDK 2.x with API 1.9 on Node 20, the newest SDK
// (Node >= 22.15) with API 1.10.
const OTEL = {
  2: {
    '@opentelemetry/api': '~1.9.0',
    '@opentelemetry/sdk-node': '~0.223.0',
    '@opentelemetry/exporter-trace-otlp-http': '~0.223.0',
    '@opentelemetry/sdk-trace-base': '^2.12.0',
    '@opentelemetry/context-async-hooks': '^2.12.0',
    '@opentelemetry/sdk-metrics': '^2.12.0',
  },
  3: {
    '@opentelemetry/api': '^1.10.0',
    '@opentelemetry/sdk-node': '^0.301.0',
    '@opentelemetry/exporter-trace-otlp-http': '^0.301.0',
    '@opentelemetry/sdk-trace': '^3.1.0',
    '@opentelemetry/context-async-hooks': '^3.1.0',
    '@opentelemetry/sdk-metrics': '^3.1.0',
  },
};
// The cross-service check (app/microservices.test.mjs): Nest 12's NATS transport uses the
// @nats-io client, Nest 11's the `nats` package.
const MICROSERVICES = {
  11: { '@nestjs/microservices': '^11', nats: '^2' },
  12: { '@nestjs/microservices': '^12', '@nats-io/transport-node': '^3' },
};

const PINO = {
  4: { 'nestjs-pino': '^4', pino: '^9', 'pino-http': '^10' },
  5: { 'nestjs-pino': '^5', pino: '^10', 'pino-http': '^11' },
};

export const COMBINATIONS = [
  {
    name: 'nest11-cjs-node20',
    nest: 11,
    module: 'cjs',
    node: 20,
    otel: 2,
    cls: 6,
    pino: 4,
    validator: '0.14',
    platform: 'express',
  },
  {
    name: 'nest11-cjs-node22-newest',
    nest: 11,
    module: 'cjs',
    node: 22,
    otel: 3,
    cls: 7,
    pino: 5,
    validator: '0.15',
    platform: 'express',
  },
  {
    name: 'nest12-cjs-node20',
    nest: 12,
    module: 'cjs',
    node: 20,
    otel: 2,
    cls: 7,
    pino: 5,
    validator: '0.14',
    platform: 'express',
  },
  {
    name: 'nest12-esm-node22',
    nest: 12,
    module: 'esm',
    node: 22,
    otel: 3,
    cls: 7,
    pino: 5,
    validator: '0.14',
    platform: 'express',
  },
  {
    name: 'nest12-esm-node24',
    nest: 12,
    module: 'esm',
    node: 24,
    otel: 3,
    cls: 7,
    pino: 5,
    validator: '0.15',
    platform: 'express',
  },
  {
    name: 'nest11-cjs-node20-fastify',
    nest: 11,
    module: 'cjs',
    node: 20,
    otel: 2,
    cls: 6,
    pino: 4,
    validator: '0.14',
    platform: 'fastify',
  },
  {
    name: 'nest12-esm-node22-fastify',
    nest: 12,
    module: 'esm',
    node: 22,
    otel: 3,
    cls: 7,
    pino: 5,
    validator: '0.15',
    platform: 'fastify',
  },
  // A fresh Nest app, then the README's install lines run one by one, in its order.
  {
    name: 'readme-install-nest11-cjs-node20',
    nest: 11,
    module: 'cjs',
    node: 20,
    otel: 2,
    platform: 'express',
    install: 'readme',
  },
  {
    name: 'readme-install-nest12-esm-node22',
    nest: 12,
    module: 'esm',
    node: 22,
    otel: 3,
    platform: 'express',
    install: 'readme',
  },
];

const OTEL_LINE = { 2: 'SDK 2.x (0.223), API 1.9', 3: 'SDK 3.x (0.301), API 1.10' };

/** The README's compatibility table: one row per combination, checked by a test. */
export function compatibilityTable() {
  const rows = COMBINATIONS.map((combo) =>
    [
      `\`${combo.name}\``,
      `Nest ${combo.nest}`,
      combo.module === 'esm' ? 'ESM' : 'CommonJS',
      `Node ${combo.node}`,
      combo.platform === 'express' ? 'Express' : 'Fastify',
      `OpenTelemetry ${OTEL_LINE[combo.otel]}`,
      ...(combo.install === 'readme'
        ? ['as the README installs', 'as the README installs', 'as the README installs']
        : [
            `nestjs-cls ${combo.cls}`,
            `nestjs-pino ${combo.pino} + pino ${PINO[combo.pino].pino.slice(1)}`,
            `class-validator ${combo.validator}`,
          ]),
    ].join(' | '),
  );
  return [
    '| matrix line | Nest | modules | Node | HTTP | OpenTelemetry | nestjs-cls | logging | validation |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- |',
    ...rows.map((row) => `| ${row} |`),
  ].join('\n');
}

function nodeBinary(major) {
  if (major === 20) return process.execPath;
  const prefix = join(TOOLS, `node${major}`);
  const binary = join(prefix, 'node_modules/node/bin/node');
  if (!existsSync(binary)) {
    mkdirSync(prefix, { recursive: true });
    execFileSync(
      'npm',
      [
        'install',
        '--prefix',
        prefix,
        '--no-audit',
        '--no-fund',
        '--loglevel=error',
        `node@${major}`,
      ],
      {
        stdio: 'inherit',
      },
    );
  }
  return binary;
}

/** A fresh Nest app's package.json, before the README's install lines run in it. */
function freshAppManifest(combo, readme) {
  return {
    name: `compat-${combo.name}`,
    private: true,
    ...(combo.module === 'esm' ? { type: 'module' } : {}),
    dependencies: {
      ...NEST[combo.nest],
      ...PLATFORM[combo.platform](combo.nest),
      'reflect-metadata': '^0.2.2',
      rxjs: '^7.8.1',
    },
    devDependencies: { typescript: '~5.9.3', '@types/node': `^${combo.node}` },
    ...(combo.nest === 12 ? { overrides: installOverrides(readme) } : {}),
  };
}

function manifest(combo, tarball) {
  const nestMajor = combo.nest;
  return {
    name: `compat-${combo.name}`,
    private: true,
    ...(combo.module === 'esm' ? { type: 'module' } : {}),
    dependencies: {
      'nestjs-cqrs-observability': `file:${tarball}`,
      ...NEST[nestMajor],
      ...PLATFORM[combo.platform](nestMajor),
      'reflect-metadata': '^0.2.2',
      rxjs: '^7.8.1',
      'class-validator': `~${combo.validator}.0`,
      'nestjs-cls': `^${combo.cls}`,
      ...OTEL[combo.otel],
      '@willsoto/nestjs-prometheus': '^6',
      'prom-client': '^15',
      ...PINO[combo.pino],
      '@sentry/nestjs': '^10',
      ...MICROSERVICES[nestMajor],
    },
    devDependencies: { typescript: '~5.9.3', '@types/node': `^${combo.node}` },
    // What the README tells Nest 12 users: @sentry/nestjs 10 declares Nest <= 11 as its peer.
    ...(nestMajor === 12
      ? {
          overrides: {
            '@sentry/nestjs': {
              '@nestjs/common': '$@nestjs/common',
              '@nestjs/core': '$@nestjs/core',
            },
          },
        }
      : {}),
  };
}

const TSCONFIG = {
  compilerOptions: {
    // Nest's new-project settings (module nodenext: CommonJS or ESM by package.json "type").
    module: 'nodenext',
    moduleResolution: 'nodenext',
    resolvePackageJsonExports: true,
    esModuleInterop: true,
    isolatedModules: true,
    emitDecoratorMetadata: true,
    experimentalDecorators: true,
    target: 'ES2023',
    strict: true,
    skipLibCheck: true,
    outDir: './dist',
    rootDir: './src',
    types: ['node'],
  },
  include: ['src'],
};

function installedVersion(app, name) {
  try {
    return JSON.parse(readFileSync(join(app, 'node_modules', name, 'package.json'), 'utf8'))
      .version;
  } catch {
    return 'absent';
  }
}

function run(combo, tarball) {
  const started = Date.now();
  const app = join(WORK, combo.name);
  rmSync(app, { recursive: true, force: true });
  mkdirSync(join(app, 'src/readme'), { recursive: true });
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const packageJson =
    combo.install === 'readme' ? freshAppManifest(combo, readme) : manifest(combo, tarball);
  writeFileSync(join(app, 'package.json'), JSON.stringify(packageJson, null, 2));
  writeFileSync(join(app, 'tsconfig.json'), JSON.stringify(TSCONFIG, null, 2));
  for (const [file, code] of extractQuickStart(readme, combo.platform)) {
    writeFileSync(join(app, 'src/readme', file), code);
  }
  cpSync(join(HERE, 'app/harness/instrument.ts'), join(app, 'src/harness/instrument.ts'));
  cpSync(join(HERE, `app/harness/otel-${combo.otel}.ts`), join(app, 'src/harness/otel.ts'));
  cpSync(join(HERE, 'app/e2e.test.mjs'), join(app, 'e2e.test.mjs'));
  cpSync(join(HERE, 'app/ports.mjs'), join(app, 'ports.mjs'));
  const crossService = combo.install !== 'readme';
  if (crossService) {
    cpSync(join(HERE, 'app/microservices'), join(app, 'src/harness/microservices'), {
      recursive: true,
    });
    cpSync(join(HERE, 'app/microservices.test.mjs'), join(app, 'microservices.test.mjs'));
  }

  const node = nodeBinary(combo.node);
  const log = [];
  const step = (what, args, env = {}) => {
    const result = spawnSync(node, args, {
      cwd: app,
      encoding: 'utf8',
      env: { ...process.env, ...env },
    });
    log.push(`$ ${what}\n${result.stdout}${result.stderr}`);
    if (result.status !== 0) throw new Error(`${what} failed (exit ${result.status})`);
    return result.stdout;
  };
  try {
    step('npm install', [NPM_CLI, 'install', '--no-audit', '--no-fund']);
    if (combo.install === 'readme') {
      for (const names of installCommands(readme, combo.node, combo.nest)) {
        const packages = names.map((name) =>
          name === 'nestjs-cqrs-observability' ? tarball : name,
        );
        step(`npm install ${names.join(' ')}`, [
          NPM_CLI,
          'install',
          '--no-audit',
          '--no-fund',
          ...packages,
        ]);
      }
    }
    step('tsc', ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.json']);
    const tests = ['e2e.test.mjs', ...(crossService ? ['microservices.test.mjs'] : [])];
    const out = step(
      `node --test ${tests.join(' ')}`,
      ['--test', '--test-reporter=spec', ...tests],
      {
        COMPAT_MODULE: combo.module,
      },
    );
    const passed = Number(/# pass (\d+)/.exec(out)?.[1] ?? /ℹ pass (\d+)/.exec(out)?.[1] ?? 0);
    const versions = [
      `node ${step('node --version', ['--version']).trim()}`,
      `@nestjs/core ${installedVersion(app, '@nestjs/core')}`,
      `@nestjs/cqrs ${installedVersion(app, '@nestjs/cqrs')}`,
      `nestjs-cls ${installedVersion(app, 'nestjs-cls')}`,
      `class-validator ${installedVersion(app, 'class-validator')}`,
      `nestjs-pino ${installedVersion(app, 'nestjs-pino')}`,
      `pino ${installedVersion(app, 'pino')}`,
      `@opentelemetry/api ${installedVersion(app, '@opentelemetry/api')}`,
      `sdk-node ${installedVersion(app, '@opentelemetry/sdk-node')}`,
      `sdk-metrics ${installedVersion(app, '@opentelemetry/sdk-metrics')}`,
      `@sentry/nestjs ${installedVersion(app, '@sentry/nestjs')}`,
      ...(crossService
        ? [`@nestjs/microservices ${installedVersion(app, '@nestjs/microservices')}`]
        : []),
      `prom ${installedVersion(app, '@willsoto/nestjs-prometheus')}/${installedVersion(app, 'prom-client')}`,
      combo.platform,
    ];
    return {
      ok: true,
      line: `matrix ${combo.name} (${combo.module}): pass, ${passed} e2e checks, ${Math.round((Date.now() - started) / 1000)} s — ${versions.join(', ')}`,
    };
  } catch (error) {
    writeFileSync(join(app, 'matrix.log'), log.join('\n'));
    return {
      ok: false,
      line: `matrix ${combo.name} (${combo.module}): FAIL — ${error.message}; log: ${join(app, 'matrix.log')}`,
      log: log.join('\n').slice(-6000),
    };
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [tarball, ...names] = process.argv.slice(2);
  if (tarball === '--table') {
    console.log(compatibilityTable());
    process.exit(0);
  }
  if (!tarball) {
    console.error('usage: node test/compat/matrix.mjs <library.tgz> [combination...]');
    process.exit(2);
  }
  const chosen = names.length
    ? COMBINATIONS.filter((combo) => names.includes(combo.name))
    : COMBINATIONS;
  let failed = 0;
  for (const combo of chosen) {
    const result = run(combo, resolve(tarball));
    if (!result.ok) {
      failed++;
      console.log(result.log);
    }
    console.log(result.line);
  }
  console.log(`matrix: ${chosen.length - failed} passed, ${failed} failed`);
  process.exit(failed ? 1 : 0);
}
