import { Controller, Get, Module, type LoggerService } from '@nestjs/common';
import { CommandBus, CqrsModule, QueryBus } from '@nestjs/cqrs';
import { Test } from '@nestjs/testing';
import {
  CqrsObservabilityModule,
  HookRegistry,
  type CqrsObservabilityModuleOptions,
} from '../../lib';
import {
  GetOrderQuery,
  ORDER_HANDLERS,
  PlaceOrderCommand,
  Recorder,
} from '../fixtures/orders.fixture';

/**
 * One app per scenario, in a process whose Node resolves packages as `without-packages.ts`
 * set up. It reports what a test asserts on: the startup lines, which operations have hooks,
 * and what dispatching gave.
 */

interface Line {
  level: string;
  message: string;
  context: unknown;
}

class RecordingLogger implements LoggerService {
  readonly lines: Line[] = [];
  log = (message: unknown, ...rest: unknown[]) => this.push('log', message, rest);
  error = (message: unknown, ...rest: unknown[]) => this.push('error', message, rest);
  warn = (message: unknown, ...rest: unknown[]) => this.push('warn', message, rest);
  debug = (message: unknown, ...rest: unknown[]) => this.push('debug', message, rest);
  verbose = (message: unknown, ...rest: unknown[]) => this.push('verbose', message, rest);
  fatal = (message: unknown, ...rest: unknown[]) => this.push('fatal', message, rest);
  private push(level: string, message: unknown, rest: unknown[]): void {
    this.lines.push({ level, message: String(message), context: rest.at(-1) });
  }
}

@Controller()
class PingController {
  @Get('ping')
  ping() {
    return { ok: true };
  }
}

@Module({ controllers: [PingController] })
class PingModule {}

const OPTIONS: Record<string, CqrsObservabilityModuleOptions | undefined> = {
  metrics: { tracing: false, logging: false, sentry: false, correlation: false, validation: false },
  logging: { tracing: false, metrics: false, sentry: false },
  sentry: { tracing: false, metrics: false, logging: false },
  // `forRoot()` as the README's quick start writes it.
  everything: undefined,
};

const OPERATIONS = [
  'command.execute.PlaceOrderCommand',
  'query.execute.GetOrderQuery',
  'unhandled_exception.PlaceOrderCommand',
  'saga.error.OrderSaga',
];

async function run(scenario: string): Promise<Record<string, unknown>> {
  if (!(scenario in OPTIONS)) throw new Error(`unknown scenario ${scenario}`);
  const options = OPTIONS[scenario];
  const logger = new RecordingLogger();
  const moduleRef = await Test.createTestingModule({
    imports: [
      CqrsModule.forRoot(),
      options === undefined
        ? CqrsObservabilityModule.forRoot()
        : CqrsObservabilityModule.forRoot(options),
      PingModule,
    ],
    providers: [...ORDER_HANDLERS],
  })
    .setLogger(logger)
    .compile();
  const app = moduleRef.createNestApplication();
  await app.listen(0, '127.0.0.1');
  try {
    const registry = app.get(HookRegistry);
    const hooks = Object.fromEntries(OPERATIONS.map((op) => [op, registry.hasHooksFor(op)]));
    const recorder = app.get(Recorder);
    const commandResult: unknown = await app
      .get(CommandBus)
      .execute(new PlaceOrderCommand({ sku: 'P-1', quantity: 1 }));
    const queryResult: unknown = await app.get(QueryBus).execute(new GetOrderQuery({ sku: 'P-1' }));
    const rejection = await app
      .get(CommandBus)
      .execute(new PlaceOrderCommand({ sku: 'P-2', quantity: 1, mode: 'reject' }))
      .then(
        () => 'resolved',
        (error: unknown) => (error === recorder.asyncError ? 'the handler error' : String(error)),
      );
    const ping = await fetch(`${await app.getUrl()}/ping`.replace('[::1]', '127.0.0.1'));
    return {
      lines: logger.lines,
      hooks,
      commandResolvedToHandlerResult: commandResult === recorder.result,
      queryResult,
      rejection,
      handlerCalls: recorder.calls,
      ping: { status: ping.status, body: await ping.json() },
    };
  } finally {
    await app.close();
  }
}

run(process.env.CQRS_TEST_SCENARIO ?? '').then(
  (facts) => process.send!({ type: 'report', ...facts }, () => process.exit(0)),
  (error: unknown) =>
    process.send!(
      {
        type: 'report',
        error: error instanceof Error ? (error.stack ?? error.message) : String(error),
      },
      () => process.exit(1),
    ),
);
