import { NestFactory } from '@nestjs/core';
import { Transport, type MicroserviceOptions } from '@nestjs/microservices';
import { Logger } from 'nestjs-pino';
import { WarehouseModule } from './warehouse.module';

/** The warehouse service: a Nest microservice on NATS (`NATS_URL`). */
async function bootstrap(): Promise<void> {
  const natsUrl = process.env.NATS_URL;
  if (!natsUrl) throw new Error('NATS_URL must be set for the warehouse service');
  const app = await NestFactory.createMicroservice<MicroserviceOptions>(WarehouseModule, {
    transport: Transport.NATS,
    options: { servers: [natsUrl] },
    bufferLogs: true,
  });
  app.useLogger(app.get(Logger));
  await app.listen();
  process.stdout.write(`warehouse-sample listening on ${natsUrl}\n`);
}

bootstrap().catch((error: unknown) => {
  console.error('warehouse-sample failed to start', error);
  process.exit(1);
});
