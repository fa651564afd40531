import { Injectable } from '@nestjs/common';
import {
  CommandBus,
  CommandHandler,
  EventBus,
  EventsHandler,
  type ICommandHandler,
  type IEventHandler,
} from '@nestjs/cqrs';
import { context, trace, TraceFlags } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { LoggerModule, PinoLogger } from 'nestjs-pino';
import pino from 'pino';
import { BaseCommand, BaseEvent, cqrsLogMixin, runWithContext } from '../../lib';
import { createTestApp, flush } from '../utils/create-app';
import { MemoryLogStream } from './memory-log-stream';

class ShipOrderCommand extends BaseCommand<void> {}
class OrderShippedEvent extends BaseEvent {}

@Injectable()
@CommandHandler(ShipOrderCommand)
class ShipOrderHandler implements ICommandHandler<ShipOrderCommand> {
  constructor(
    private readonly logger: PinoLogger,
    private readonly eventBus: EventBus,
  ) {}
  async execute(): Promise<void> {
    this.logger.info('shipping from the command handler');
    this.eventBus.publish(new OrderShippedEvent({}));
  }
}

@EventsHandler(OrderShippedEvent)
class NotifyShippedHandler implements IEventHandler<OrderShippedEvent> {
  constructor(private readonly logger: PinoLogger) {}
  handle(): void {
    this.logger.info('notifying from the event handler');
  }
}

describe('cqrsLogMixin()', () => {
  const logs = new MemoryLogStream();
  const logger = pino({ mixin: cqrsLogMixin() }, logs.stream);
  const contextManager = new AsyncLocalStorageContextManager();

  beforeAll(() => context.setGlobalContextManager(contextManager.enable()));
  afterAll(() => context.disable());
  beforeEach(() => logs.clear());

  it('adds nothing outside any flow or span', () => {
    logger.info('background');

    expect(logs.lines[0]).not.toHaveProperty('correlation_id');
    expect(logs.lines[0]).not.toHaveProperty('causation_id');
    expect(logs.lines[0]).not.toHaveProperty('trace_id');
  });

  it('adds the ambient correlation and causation ids', () => {
    runWithContext({ correlationId: 'job-7', causationId: 'msg-3' }, () => logger.info('job'));

    expect(logs.lines[0]).toMatchObject({
      msg: 'job',
      correlation_id: 'job-7',
      causation_id: 'msg-3',
    });
  });

  it('adds the trace id of the active span', () => {
    const spanContext = {
      traceId: '0af7651916cd43dd8448eb211c80319c',
      spanId: 'b7ad6b7169203331',
      traceFlags: TraceFlags.SAMPLED,
    };

    context.with(trace.setSpanContext(context.active(), spanContext), () => logger.info('traced'));

    expect(logs.lines[0]).toMatchObject({ trace_id: spanContext.traceId });
    expect(logs.lines[0]).not.toHaveProperty('correlation_id');
  });

  it("lets the log call's own fields win", () => {
    runWithContext({ correlationId: 'ambient' }, () =>
      logger.info({ correlation_id: 'explicit' }, 'override'),
    );

    expect(logs.lines).toHaveLength(1);
    expect(logs.lines[0]).toMatchObject({ correlation_id: 'explicit' });
  });

  it("puts the flow's ids on the lines handlers write themselves", async () => {
    const app = await createTestApp({
      observability: { tracing: false, metrics: false, sentry: false },
      imports: [
        LoggerModule.forRoot({ pinoHttp: [{ level: 'info', mixin: cqrsLogMixin() }, logs.stream] }),
      ],
      providers: [ShipOrderHandler, NotifyShippedHandler],
    });
    try {
      const command = new ShipOrderCommand({});
      logs.clear();

      await app.get(CommandBus).execute(command);
      await flush();

      const [commandLine] = logs.where({ message_type: 'ShipOrderCommand' });
      const correlationId = commandLine!.correlation_id as string;
      const [fromCommand] = logs.where({ msg: 'shipping from the command handler' });
      const [fromEvent] = logs.where({ msg: 'notifying from the event handler' });
      expect(fromCommand).toMatchObject({ correlation_id: correlationId });
      expect(fromCommand).not.toHaveProperty('causation_id');
      expect(fromEvent).toMatchObject({
        correlation_id: correlationId,
        causation_id: command.requestId,
      });
    } finally {
      await app.close();
    }
  });
});
