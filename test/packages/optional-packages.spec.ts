import { runScenario, type ScenarioReport } from './without-packages';

/**
 * Each optional peer, absent or broken the way Node reports it, in a process of its own: the
 * app starts, says in one line what is off, and dispatches as before.
 */

interface Line {
  level: string;
  message: string;
  context: unknown;
}

const OPTIONAL_PEERS = [
  'prom-client',
  '@willsoto/nestjs-prometheus',
  'nestjs-pino',
  'pino',
  '@sentry/nestjs',
  '@nestjs/microservices',
];

function lines(report: ScenarioReport, text: string): string[] {
  return (report.lines as Line[])
    .filter((line) => line.message.includes(text))
    .map((line) => `${line.level}: ${line.message}`);
}

/** Error lines other than the CQRS line of the command the scenario fails on purpose. */
function startupErrors(report: ScenarioReport): Line[] {
  return (report.lines as Line[]).filter(
    (line) => line.level === 'error' && !line.message.startsWith('{'),
  );
}

function dispatchedAsBefore(report: ScenarioReport): void {
  expect(report.commandResolvedToHandlerResult).toBe(true);
  expect(report.queryResult).toEqual({ sku: 'P-1' });
  expect(report.rejection).toBe('the handler error');
  expect(report.handlerCalls).toEqual(expect.arrayContaining(['PlaceOrderHandler']));
  expect(report.ping).toEqual({ status: 200, body: { ok: true } });
}

jest.setTimeout(120_000);

describe('optional peers', () => {
  it('metrics with every package installed: the signal is on (the control of the cases below)', async () => {
    const report = await runScenario('metrics', {});
    expect(report.hooks).toMatchObject({
      'command.execute.PlaceOrderCommand': true,
      'query.execute.GetOrderQuery': true,
    });
    expect(lines(report, 'prom-client')).toEqual([]);
    dispatchedAsBefore(report);
  });

  it('without prom-client: one line, metrics off, dispatching untouched', async () => {
    const report = await runScenario('metrics', { missing: ['prom-client'] });
    expect(lines(report, 'prom-client')).toEqual([
      'log: prom-client is not installed: metrics are off',
    ]);
    expect(report.hooks).toEqual({
      'command.execute.PlaceOrderCommand': false,
      'query.execute.GetOrderQuery': false,
      'unhandled_exception.PlaceOrderCommand': false,
      'saga.error.OrderSaga': false,
    });
    dispatchedAsBefore(report);
  });

  it('with a prom-client that fails to load: one warning that says why, metrics off', async () => {
    const report = await runScenario('metrics', {
      broken: { 'prom-client': "Cannot find module 'tdigest'" },
    });
    expect(lines(report, 'prom-client')).toEqual([
      "warn: prom-client could not be loaded (Error: Cannot find module 'tdigest'): metrics are off",
    ]);
    expect(report.hooks).toMatchObject({ 'command.execute.PlaceOrderCommand': false });
    dispatchedAsBefore(report);
  });

  it("without nestjs-pino: CQRS lines go through Nest's Logger as JSON", async () => {
    const report = await runScenario('logging', { missing: ['nestjs-pino'] });
    expect(lines(report, 'nestjs-pino')).toEqual([
      "log: nestjs-pino is not installed: CQRS log lines go through Nest's Logger as JSON",
    ]);
    const cqrsLines = (report.lines as Line[])
      .filter((line) => line.context === 'CqrsObservability' && line.message.startsWith('{'))
      .map((line) => JSON.parse(line.message) as Record<string, unknown>);
    expect(cqrsLines).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          kind: 'command',
          message_type: 'PlaceOrderCommand',
          outcome: 'success',
        }),
        expect.objectContaining({ message_type: 'PlaceOrderCommand', outcome: 'error' }),
      ]),
    );
    dispatchedAsBefore(report);
  });

  it('without @sentry/nestjs: one line, no Sentry hook, the caller still gets the error', async () => {
    const report = await runScenario('sentry', { missing: ['@sentry/nestjs'] });
    expect(lines(report, '@sentry/nestjs')).toEqual([
      'log: @sentry/nestjs is not installed: CQRS failures are not sent to Sentry',
    ]);
    expect(report.hooks).toMatchObject({ 'saga.error.OrderSaga': false });
    dispatchedAsBefore(report);
  });

  it('without @nestjs/microservices: HTTP and the buses work', async () => {
    const report = await runScenario('everything', { missing: ['@nestjs/microservices'] });
    expect(lines(report, '@nestjs/microservices')).toEqual([
      'log: @nestjs/microservices is not installed: cross-service propagation is off',
    ]);
    expect(startupErrors(report)).toEqual([]);
    dispatchedAsBefore(report);
  });

  it('with no optional peer at all, forRoot() starts and says what is off', async () => {
    const report = await runScenario('everything', { missing: OPTIONAL_PEERS });
    expect(lines(report, 'not installed')).toEqual(
      expect.arrayContaining([
        'log: prom-client is not installed: metrics are off',
        "log: nestjs-pino is not installed: CQRS log lines go through Nest's Logger as JSON",
        'log: @sentry/nestjs is not installed: CQRS failures are not sent to Sentry',
      ]),
    );
    expect(
      (report.lines as Line[]).filter(
        (line) => line.level === 'error' && !line.message.startsWith('{'),
      ),
    ).toEqual([]);
    dispatchedAsBefore(report);
  });
});
