import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import {
  assertBrokerInstalled,
  describeWithBroker,
  NATS_SERVER_BIN,
} from '../microservices/brokers';

/**
 * `npm run sample:distributed` end to end: the library and the sample compiled as the script
 * does, the orders sample and the warehouse in two processes on a private nats-server, one
 * order placed, one correlation id and one trace id in both services' lines.
 */

const run = promisify(execFile);
const ROOT = join(__dirname, '../..');
const TSC = join(ROOT, 'node_modules/typescript/bin/tsc');

describeWithBroker(NATS_SERVER_BIN)('npm run sample:distributed', () => {
  it('shows one correlation id and one trace across the orders and warehouse services', async () => {
    assertBrokerInstalled(NATS_SERVER_BIN, 'nats-server');
    const options = { cwd: ROOT, env: { ...process.env, NATS_SERVER_BIN }, timeout: 240_000 };
    await run(process.execPath, [TSC, '-p', 'tsconfig.build.json'], options);
    await run(process.execPath, [TSC, '-p', 'sample-app/tsconfig.json'], options);
    const { stdout } = await run(
      process.execPath,
      [join(ROOT, 'sample-app/dist/distributed.js')],
      options,
    );
    const correlation = /^correlation id seen in both services: (distributed-demo-\d+)$/m.exec(
      stdout,
    );
    expect(correlation).not.toBeNull();
    const traces = /^trace ids on those lines: ([0-9a-f]{32})$/m.exec(stdout);
    expect(traces).not.toBeNull();
    const trace = traces![1]!;
    // The warehouse's CONSUMER span is in the orders trace, a child of the orders' PRODUCER span.
    const producer = new RegExp(
      `span send warehouse\\.reserve-stock trace=${trace} span=([0-9a-f]{16}) .*kind=PRODUCER`,
    ).exec(stdout);
    expect(producer).not.toBeNull();
    expect(stdout).toMatch(
      new RegExp(
        `span process warehouse\\.reserve-stock trace=${trace} span=[0-9a-f]{16} parent=${producer![1]} kind=CONSUMER`,
      ),
    );
    expect(stdout).toMatch(new RegExp(`span cqrs\\.ReserveWarehouseStockCommand trace=${trace}`));
  }, 300_000);
});
