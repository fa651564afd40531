/**
 * The compatibility matrix's cross-service check: one Nest app that is both sides of a NATS
 * subject — `POST /ship` emits `order.shipped` through a ClientProxy, its `@EventPattern`
 * handler dispatches a command — so the flow crosses a real nats-server and comes back.
 * Started by microservices.test.mjs with NATS_URL and PORT.
 */
import 'reflect-metadata';
import { Body, Controller, Get, Inject, Module, Post } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { CommandBus, CommandHandler, CqrsModule, type ICommandHandler } from '@nestjs/cqrs';
import {
  ClientProxy,
  ClientsModule,
  EventPattern,
  Payload,
  Transport,
  type MicroserviceOptions,
} from '@nestjs/microservices';
import { ClsModule } from 'nestjs-cls';
import {
  BaseCommand,
  CqrsObservabilityModule,
  getCausationId,
  getCorrelationId,
} from 'nestjs-cqrs-observability';
import { lastValueFrom } from 'rxjs';

const NATS_URL = process.env.NATS_URL ?? 'nats://127.0.0.1:4222';
const SHIPPING = 'SHIPPING';

interface Shipment {
  orderId: string;
  correlationId?: string;
  causationId?: string;
  handlerCausationId?: string;
}
const shipments: Shipment[] = [];

class RequestShipmentCommand extends BaseCommand<void, { orderId: string }> {}

class ShipOrderCommand extends BaseCommand<void, { orderId: string }> {}

/** Sends the order to the shipping subject from inside a handled command. */
@CommandHandler(RequestShipmentCommand)
class RequestShipmentHandler implements ICommandHandler<RequestShipmentCommand> {
  constructor(@Inject(SHIPPING) private readonly client: ClientProxy) {}

  async execute(command: RequestShipmentCommand): Promise<void> {
    await lastValueFrom(this.client.emit('order.shipped', { orderId: command.orderId }));
  }
}

@CommandHandler(ShipOrderCommand)
class ShipOrderHandler implements ICommandHandler<ShipOrderCommand> {
  async execute(command: ShipOrderCommand): Promise<void> {
    shipments.push({
      orderId: command.orderId,
      correlationId: getCorrelationId(),
      causationId: getCausationId(),
    });
  }
}

@Controller()
class ShippingController {
  constructor(private readonly commandBus: CommandBus) {}

  @Post('ship')
  async ship(@Body() body: { orderId: string }): Promise<{ requestId: string }> {
    const command = new RequestShipmentCommand({ orderId: body.orderId });
    await this.commandBus.execute(command);
    return { requestId: command.requestId };
  }

  @EventPattern('order.shipped')
  async shipped(@Payload() data: { orderId: string }): Promise<void> {
    const handlerCausationId = getCausationId();
    await this.commandBus.execute(new ShipOrderCommand({ orderId: data.orderId }));
    const last = shipments[shipments.length - 1];
    if (last) last.handlerCausationId = handlerCausationId;
  }

  @Get('shipments')
  list(): Shipment[] {
    return shipments;
  }
}

@Module({
  imports: [
    ClsModule.forRoot({ global: true, middleware: { mount: true } }),
    ClientsModule.register([
      { name: SHIPPING, transport: Transport.NATS, options: { servers: [NATS_URL] } },
    ]),
    CqrsModule.forRoot(),
    CqrsObservabilityModule.forRoot(),
  ],
  controllers: [ShippingController],
  providers: [RequestShipmentHandler, ShipOrderHandler],
})
class ShippingModule {}

async function bootstrap(): Promise<void> {
  const app = await NestFactory.create(ShippingModule, { logger: ['error', 'warn'] });
  app.connectMicroservice<MicroserviceOptions>(
    { transport: Transport.NATS, options: { servers: [NATS_URL] } },
    { inheritAppConfig: true },
  );
  await app.startAllMicroservices();
  await app.listen(Number(process.env.PORT ?? 3000));
}
void bootstrap();
