import { CommandBus } from '@nestjs/cqrs';
import type { TestingModule } from '@nestjs/testing';
import * as libraryCopy from 'nestjs-pino';
import { dirname, join } from 'node:path';
import { PlaceOrderCommand, Recorder } from '../fixtures/orders.fixture';
import { createTestApp } from '../utils/create-app';
import { MemoryLogStream, PinoLevel } from './memory-log-stream';

/**
 * An ESM app's `import 'nestjs-pino'` loads the package's ESM build, while this CommonJS
 * library's `require` loads its CommonJS build: two `PinoLogger` classes in one process. The
 * test loads the file the package's own `exports` map names for `import`, as Node does.
 */
function loadEsmBuildOfNestjsPino(): typeof libraryCopy {
  const manifestPath = require.resolve('nestjs-pino/package.json');
  const manifest = require(manifestPath) as {
    exports: { '.': { import: { default: string } } };
  };
  return require(
    join(dirname(manifestPath), manifest.exports['.'].import.default),
  ) as typeof libraryCopy;
}

describe("logging with the app's own build of nestjs-pino", () => {
  const logs = new MemoryLogStream();
  let app: TestingModule | undefined;

  afterEach(async () => {
    await app?.close();
    app = undefined;
  });

  it('finds the app PinoLogger through DI and writes fields, not a JSON string', async () => {
    const appCopy = loadEsmBuildOfNestjsPino();
    expect(appCopy.PinoLogger).not.toBe(libraryCopy.PinoLogger);
    app = await createTestApp({
      observability: { tracing: false, metrics: false, sentry: false },
      imports: [appCopy.LoggerModule.forRoot({ pinoHttp: [{ level: 'info' }, logs.stream] })],
    });
    logs.clear();

    const command = new PlaceOrderCommand({ sku: 'A-1', quantity: 1, mode: 'no-event' });
    const result = await app.get(CommandBus).execute(command);

    expect(result).toBe(app.get(Recorder).result);
    const lines = logs.where({ message_type: 'PlaceOrderCommand' });
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({
      level: PinoLevel.info,
      kind: 'command',
      outcome: 'success',
      message_id: command.requestId,
      handler: 'PlaceOrderHandler',
    });
  });
});
