import type { LoggerService } from '@nestjs/common';
import { CommandBus, CqrsModule, EventBus } from '@nestjs/cqrs';
import { Test, type TestingModule } from '@nestjs/testing';
import { CqrsObservabilityModule, type CqrsObservabilityModuleOptions } from '../../lib';
import { CUSTOMER_HANDLERS, RegisterCustomerCommand } from '../fixtures/customers.fixture';
import {
  FailingEvent,
  ORDER_HANDLERS,
  PlaceOrderCommand,
  Recorder,
} from '../fixtures/orders.fixture';
import { flush } from '../utils/create-app';

type Method = 'log' | 'error' | 'warn' | 'debug' | 'verbose' | 'fatal';

/** The application's logger: records what Nest's Logger hands it. */
class CapturingLogger implements LoggerService {
  readonly entries: Array<{ method: Method; message: unknown; context: unknown }> = [];
  log = (message: unknown, context?: unknown) => this.push('log', message, context);
  error = (message: unknown, ...rest: unknown[]) => this.push('error', message, rest.at(-1));
  warn = (message: unknown, context?: unknown) => this.push('warn', message, context);
  debug = (message: unknown, context?: unknown) => this.push('debug', message, context);
  verbose = (message: unknown, context?: unknown) => this.push('verbose', message, context);
  fatal = (message: unknown, context?: unknown) => this.push('fatal', message, context);

  /** The CQRS lines, parsed. */
  cqrsLines(): Array<{ method: Method; line: Record<string, any> }> {
    return this.entries
      .filter((e) => e.context === 'CqrsObservability' && String(e.message).startsWith('{'))
      .map((e) => ({ method: e.method, line: JSON.parse(String(e.message)) }));
  }

  private push(method: Method, message: unknown, context: unknown): void {
    this.entries.push({ method, message, context });
  }
}

describe("logging through Nest's Logger (no nestjs-pino LoggerModule)", () => {
  let app: TestingModule | undefined;
  let logger: CapturingLogger;

  async function start(
    observability: CqrsObservabilityModuleOptions = {},
    imports: NonNullable<Parameters<typeof Test.createTestingModule>[0]['imports']> = [],
  ): Promise<TestingModule> {
    logger = new CapturingLogger();
    app = await Test.createTestingModule({
      imports: [
        ...imports,
        CqrsModule.forRoot(),
        CqrsObservabilityModule.forRoot({
          tracing: false,
          metrics: false,
          sentry: false,
          ...observability,
        }),
      ],
      providers: [...ORDER_HANDLERS, ...CUSTOMER_HANDLERS],
    })
      .setLogger(logger)
      .compile();
    await app.init();
    return app;
  }

  afterEach(async () => {
    await app?.close();
    app = undefined;
  });

  it('says once at startup where the lines go', async () => {
    await start();

    expect(logger.entries.filter((e) => String(e.message).includes('nestjs-pino'))).toEqual([
      {
        method: 'log',
        message:
          "nestjs-pino's LoggerModule is not imported: CQRS log lines go through Nest's Logger as JSON",
        context: 'CqrsObservability',
      },
    ]);
  });

  it('writes each line as one JSON string at the matching Nest level', async () => {
    const moduleRef = await start();
    const recorder = moduleRef.get(Recorder);
    const command = new PlaceOrderCommand({ sku: 'N-1', quantity: 1 });

    await moduleRef.get(CommandBus).execute(command);
    await expect(
      moduleRef
        .get(CommandBus)
        .execute(new PlaceOrderCommand({ sku: 'N-2', quantity: 1, mode: 'reject' })),
    ).rejects.toBe(recorder.asyncError);
    moduleRef.get(EventBus).publish(new FailingEvent({}));
    await flush();

    const lines = logger.cqrsLines();
    const placed = lines.filter((l) => l.line.message_type === 'PlaceOrderCommand');
    expect(placed).toEqual([
      {
        method: 'log',
        line: {
          msg: expect.stringMatching(/^command PlaceOrderCommand succeeded in /),
          kind: 'command',
          message_type: 'PlaceOrderCommand',
          outcome: 'success',
          duration_ms: expect.any(Number),
          correlation_id: expect.any(String),
          message_id: command.requestId,
          handler: 'PlaceOrderHandler',
        },
      },
      {
        method: 'error',
        line: expect.objectContaining({
          outcome: 'error',
          err: { type: 'Error', message: 'async failure', stack: recorder.asyncError.stack },
        }),
      },
    ]);
    expect(lines.filter((l) => l.line.message_type === 'OrderPlacedEvent')).toEqual([
      { method: 'debug', line: expect.objectContaining({ handler: 'SendConfirmationHandler' }) },
    ]);
    expect(lines.filter((l) => l.line.message_type === 'FailingEvent')).toEqual([
      { method: 'error', line: expect.objectContaining({ outcome: 'error', kind: 'event' }) },
    ]);
  });

  it('redacts the payload here too', async () => {
    const moduleRef = await start({ logging: { payload: true, slowThresholdMs: 0 } });

    await moduleRef
      .get(CommandBus)
      .execute(new RegisterCustomerCommand({ name: 'Ada', email: 'ada@example.com' }));

    const [entry] = logger
      .cqrsLines()
      .filter((l) => l.line.message_type === 'RegisterCustomerCommand');
    expect(entry).toEqual({
      method: 'warn',
      line: expect.objectContaining({ payload: expect.objectContaining({ email: '***' }) }),
    });
    expect(JSON.stringify(logger.entries)).not.toContain('ada@example.com');
  });
});
