import {
  Body,
  type CanActivate,
  Controller,
  type ExecutionContext,
  type INestApplication,
  Injectable,
  Post,
} from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import {
  CommandBus,
  CommandHandler,
  CqrsModule,
  EventBus,
  EventsHandler,
  type ICommandHandler,
  type IEvent,
  type IEventHandler,
  ofType,
  Saga,
} from '@nestjs/cqrs';
import { Test } from '@nestjs/testing';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-node';
import * as Sentry from '@sentry/nestjs';
import { ClsModule, ClsService } from 'nestjs-cls';
import { LoggerModule, PinoLogger } from 'nestjs-pino';
import { Registry } from 'prom-client';
import { filter, map, type Observable } from 'rxjs';
import {
  Audit,
  BaseCommand,
  BaseEvent,
  CqrsObservabilityModule,
  type CqrsObservabilityModuleOptions,
  cqrsPinoHttpOptions,
  getTenantId,
  Redact,
} from '../../lib';
import { MemoryLogStream } from '../logging/memory-log-stream';
import { RecordingTransport, sentryTestOptions } from '../sentry/recording-transport';
import { startTracingSdk, type TracingSdk } from '../tracing/tracing-sdk';
import { flush } from '../utils/create-app';

/** A JWT-shaped value: the value detectors scrub it wherever it appears. */
export const JWT_NOTE =
  'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ1LTEifQ.c2lnbmF0dXJlLXNpZ25hdHVyZS1zaWduYXR1cmU';

export class PlaceOrderCommand extends BaseCommand<
  { tenantId: string | undefined },
  {
    orderId: string;
    placedBy: string;
    cardHolder: string;
    note: string;
    fail?: boolean;
    tenantId?: string;
  }
> {
  @Audit()
  declare readonly orderId: string;
  @Audit('actor')
  declare readonly placedBy: string;
  @Audit()
  @Redact()
  declare readonly cardHolder: string;
  @Audit()
  declare readonly note: string;
}

export class OrderPlacedEvent extends BaseEvent<{ orderId: string; fail: boolean }> {
  declare readonly orderId: string;
  declare readonly fail: boolean;
}

export class ReserveStockCommand extends BaseCommand<void, { orderId: string; fail: boolean }> {
  @Audit()
  declare readonly orderId: string;
  declare readonly fail: boolean;
}

/** Where each step of the flow saw itself, with the tenant `getTenantId()` gave it. */
@Injectable()
export class TenantSeen {
  readonly seen: Array<{ where: string; orderId: string; tenantId: string | undefined }> = [];

  see(where: string, orderId: string): void {
    this.seen.push({ where, orderId, tenantId: getTenantId() });
  }

  at(where: string, orderId: string): string | undefined {
    const found = this.seen.filter((s) => s.where === where && s.orderId === orderId);
    if (found.length !== 1)
      throw new Error(`expected one ${where} for ${orderId}, got ${found.length}`);
    return found[0]!.tenantId;
  }
}

@CommandHandler(PlaceOrderCommand)
class PlaceOrderHandler implements ICommandHandler<PlaceOrderCommand> {
  constructor(
    private readonly eventBus: EventBus,
    private readonly seen: TenantSeen,
    private readonly logger: PinoLogger,
  ) {}

  async execute(command: PlaceOrderCommand): Promise<{ tenantId: string | undefined }> {
    this.seen.see('PlaceOrderHandler', command.orderId);
    this.logger.info({ orderId: command.orderId }, 'placing order');
    // Let the flow cross an await, as a database call would.
    await new Promise((resolve) => setTimeout(resolve, 5));
    await this.eventBus.publish(
      new OrderPlacedEvent({ orderId: command.orderId, fail: command.fail === true }),
    );
    return { tenantId: getTenantId() };
  }
}

@EventsHandler(OrderPlacedEvent)
class OrderPlacedAuditHandler implements IEventHandler<OrderPlacedEvent> {
  constructor(private readonly seen: TenantSeen) {}

  handle(event: OrderPlacedEvent): void {
    this.seen.see('OrderPlacedAuditHandler', event.orderId);
  }
}

@Injectable()
class OrderSaga {
  constructor(private readonly seen: TenantSeen) {}

  @Saga()
  placed = (events$: Observable<IEvent>): Observable<ReserveStockCommand> =>
    events$.pipe(
      ofType(OrderPlacedEvent),
      map((event) => {
        this.seen.see('OrderSaga', event.orderId);
        return new ReserveStockCommand({ orderId: event.orderId, fail: event.fail });
      }),
    );
}

/** Dies on order `o-kill`: its stream error is logged in the flow that killed it. */
@Injectable()
class KillableSaga {
  @Saga()
  watch = (events$: Observable<IEvent>): Observable<ReserveStockCommand> =>
    events$.pipe(
      ofType(OrderPlacedEvent),
      filter((event) => {
        if (event.orderId === 'o-kill') throw new Error('saga died');
        return false;
      }),
      map((event) => new ReserveStockCommand({ orderId: event.orderId, fail: false })),
    );
}

@CommandHandler(ReserveStockCommand)
class ReserveStockHandler implements ICommandHandler<ReserveStockCommand> {
  constructor(private readonly seen: TenantSeen) {}

  async execute(command: ReserveStockCommand): Promise<void> {
    this.seen.see('ReserveStockHandler', command.orderId);
    if (command.fail) throw new Error(`no stock for ${command.orderId}`);
  }
}

@Controller('orders')
class OrdersController {
  constructor(private readonly commandBus: CommandBus) {}

  @Post()
  place(
    @Body() body: { orderId: string; fail?: boolean; tenantId?: string },
  ): Promise<{ tenantId: string | undefined }> {
    return this.commandBus.execute(
      new PlaceOrderCommand({
        orderId: body.orderId,
        placedBy: 'u-7',
        cardHolder: 'Ada Lovelace',
        note: `token ${JWT_NOTE}`,
        ...(body.fail === undefined ? {} : { fail: body.fail }),
        ...(body.tenantId === undefined ? {} : { tenantId: body.tenantId }),
      }),
    );
  }
}

/** The app's own auth guard: it knows the tenant from the caller, not from a header. */
@Injectable()
class AuthTenantGuard implements CanActivate {
  constructor(private readonly cls: ClsService) {}

  canActivate(context: ExecutionContext): boolean {
    const req = context.switchToHttp().getRequest<{ headers: Record<string, unknown> }>();
    if (req.headers['x-test-user'] === 'initech-admin') this.cls.set('authTenant', 'initech');
    return true;
  }
}

/**
 * The orders app over HTTP with every sink a real library: OpenTelemetry SDK with an
 * in-memory exporter, pino (nestjs-pino, `cqrsPinoHttpOptions()`, so the mixin too) into a
 * stream, Sentry with a recording transport, a prom-client registry.
 */
export class TenantApp {
  readonly transport = new RecordingTransport();
  readonly logs = new MemoryLogStream();
  readonly registry = new Registry();
  private sdk: TracingSdk | undefined;
  app: INestApplication | undefined;

  async start(observability: CqrsObservabilityModuleOptions): Promise<INestApplication> {
    this.sdk = startTracingSdk();
    Sentry.init(sentryTestOptions(this.transport));
    const moduleRef = await Test.createTestingModule({
      imports: [
        ClsModule.forRoot({ global: true, middleware: { mount: true } }),
        CqrsModule.forRoot(),
        CqrsObservabilityModule.forRoot({
          metrics: { registry: this.registry },
          ...observability,
        }),
        LoggerModule.forRoot({
          pinoHttp: [cqrsPinoHttpOptions({ level: 'debug' }), this.logs.stream],
        }),
      ],
      controllers: [OrdersController],
      providers: [
        TenantSeen,
        PlaceOrderHandler,
        OrderPlacedAuditHandler,
        OrderSaga,
        KillableSaga,
        ReserveStockHandler,
        { provide: APP_GUARD, useClass: AuthTenantGuard },
      ],
    }).compile();
    this.app = moduleRef.createNestApplication({ logger: false });
    await this.app.init();
    return this.app;
  }

  async stop(): Promise<void> {
    await this.app?.close();
    await Sentry.close(2000);
    await this.sdk?.shutdown();
  }

  clear(): void {
    this.sdk!.exporter.reset();
    this.logs.clear();
    this.transport.clear();
    this.app!.get(TenantSeen).seen.length = 0;
  }

  /** The CQRS lines (one per command, query and event handler) and the app's own lines. */
  ownLines(): Array<Record<string, any>> {
    return this.logs.lines.filter((line) => line.req === undefined);
  }

  async settle(): Promise<void> {
    await flush();
    await flush();
    await Sentry.flush(5000);
  }

  get seen(): TenantSeen {
    return this.app!.get(TenantSeen);
  }

  spans(): ReadableSpan[] {
    return this.sdk!.exporter.getFinishedSpans();
  }

  /** The finished spans of one order's flow, found by their `audit.orderId` or handler attribute. */
  flowSpans(orderId: string): ReadableSpan[] {
    const traceIds = new Set(
      this.spans()
        .filter((span) => span.attributes['audit.orderId'] === orderId)
        .map((span) => span.spanContext().traceId),
    );
    return this.spans().filter((span) => traceIds.has(span.spanContext().traceId));
  }
}
