import {
  ConsoleLogger,
  Injectable,
  type INestApplication,
  type LoggerService,
} from '@nestjs/common';
import {
  CommandHandler,
  CqrsModule,
  EventBus,
  EventsHandler,
  type IEvent,
  ofType,
  Saga,
} from '@nestjs/cqrs';
import { Test } from '@nestjs/testing';
import { map, type Observable } from 'rxjs';
import { BaseCommand, BaseEvent, CqrsObservabilityModule, trackFlow } from '../../lib';

const EMAIL = 'ada.lovelace@example.com';
const TOKEN = 'Bearer abc.DEF-123_xyz';

class ParcelLostEvent extends BaseEvent {}
class RefundCommand extends BaseCommand<void> {}
class SagaBrokeEvent extends BaseEvent {}

@EventsHandler(ParcelLostEvent)
class NotifyCustomerHandler {
  handle(): Promise<void> {
    return Promise.reject(new Error(`no mailbox for ${EMAIL} (auth ${TOKEN})`));
  }
}

@CommandHandler(RefundCommand)
class RefundHandler {
  execute(): Promise<void> {
    return Promise.reject(new TypeError(`refund to ${EMAIL} refused`));
  }
}

@Injectable()
class ParcelSagas {
  @Saga()
  refund = (events$: Observable<IEvent>): Observable<RefundCommand> =>
    events$.pipe(
      ofType(ParcelLostEvent),
      map(() => new RefundCommand()),
    );

  @Saga()
  broken = (events$: Observable<IEvent>): Observable<RefundCommand> =>
    events$.pipe(
      ofType(SagaBrokeEvent),
      map(() => {
        throw new Error(`saga gave up on ${EMAIL}`);
      }),
    );
}

/** Records what Nest's `Logger` hands the application's logger. */
class RecordingLogger implements LoggerService {
  readonly errors: unknown[][] = [];
  log(): void {}
  warn(): void {}
  error(...args: unknown[]): void {
    this.errors.push(args);
  }
}

// @nestjs/cqrs names the handler's InstanceWrapper here, not the handler class.
const UPSTREAM_LINES = [
  '"InstanceWrapper" has thrown an unhandled exception.',
  'Command handler which execution was triggered by Saga has thrown an unhandled exception.',
  'Saga "broken" has thrown an unhandled exception.',
];

async function provoke(app: INestApplication): Promise<void> {
  await trackFlow(app, () => app.get(EventBus).publish(new ParcelLostEvent())).catch(() => {});
  app.get(EventBus).publish(new SagaBrokeEvent());
  await new Promise((resolve) => setTimeout(resolve, 50));
}

describe("@nestjs/cqrs's own error log lines", () => {
  let app: INestApplication | undefined;

  afterEach(async () => {
    await app?.close();
    app = undefined;
  });

  async function start(imports: unknown[] = []): Promise<INestApplication> {
    const moduleRef = await Test.createTestingModule({
      imports: [...(imports as []), CqrsModule.forRoot(), CqrsObservabilityModule.forRoot()],
      providers: [NotifyCustomerHandler, RefundHandler, ParcelSagas],
    }).compile();
    app = moduleRef.createNestApplication({ logger: false });
    return app;
  }

  it("reach Nest's default ConsoleLogger with the error redacted: scrubbed message and stack", async () => {
    const started = await start();
    started.useLogger(new ConsoleLogger({ json: true, colors: false, logLevels: ['error'] }));
    await started.init();
    const written: string[] = [];
    const stderr = jest.spyOn(process.stderr, 'write').mockImplementation((chunk) => {
      written.push(String(chunk));
      return true;
    });
    try {
      await provoke(started);
    } finally {
      stderr.mockRestore();
    }

    const lines = written.flatMap((text) => text.split('\n')).filter((text) => text !== '');
    const upstream = lines
      .map((text) => JSON.parse(text) as { message: string; context: string })
      .filter((line) => UPSTREAM_LINES.includes(line.message));
    expect(upstream.map((line) => line.message).sort()).toEqual([...UPSTREAM_LINES].sort());
    for (const line of upstream) expect(line.context).toBe('EventBus');
    const everything = lines.join('\n');
    expect(everything).toContain('no mailbox for *** (auth Bearer ***)');
    expect(everything).toContain('refund to *** refused');
    expect(everything).not.toContain(EMAIL);
    expect(everything).not.toContain('abc.DEF-123_xyz');
  });

  it('reach any LoggerService the app uses with the error redacted, and are restored at close', async () => {
    const logger = new RecordingLogger();
    const started = await start();
    started.useLogger(logger);
    await started.init();

    await provoke(started);

    const upstream = logger.errors.filter((args) => UPSTREAM_LINES.includes(args[0] as string));
    expect(upstream).toHaveLength(3);
    for (const [, error] of upstream) {
      expect(error).toBeInstanceOf(Error);
      expect((error as Error).message).toContain('***');
      expect((error as Error).stack).not.toContain(EMAIL);
    }
    expect(JSON.stringify(logger.errors.map((args) => args.map(String)))).not.toContain(EMAIL);

    const bus = started.get(EventBus) as unknown as { _logger: object };
    const redacting = bus._logger;
    await started.close();
    app = undefined;
    expect(bus._logger).not.toBe(redacting);
    expect(Object.getPrototypeOf(redacting)).toBe(bus._logger);
  });
});
