import { type DynamicModule, Module } from '@nestjs/common';
import { ClientsModule, Transport } from '@nestjs/microservices';
import { WAREHOUSE_CLIENT } from './warehouse.contract';

/**
 * The orders side's NATS client to the warehouse, registered only when `NATS_URL` is set.
 * It is a plain ClientProxy: CqrsObservabilityModule finds it and every `send()` carries the
 * flow's correlation id, causation id and trace context in NATS headers.
 */
@Module({})
export class WarehouseClientModule {
  static register(natsUrl: string | undefined): DynamicModule {
    if (natsUrl === undefined) return { module: WarehouseClientModule };
    return {
      module: WarehouseClientModule,
      global: true,
      imports: [
        ClientsModule.register([
          { name: WAREHOUSE_CLIENT, transport: Transport.NATS, options: { servers: [natsUrl] } },
        ]),
      ],
      exports: [ClientsModule],
    };
  }
}
