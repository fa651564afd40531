import { RmqRecordBuilder, Transport } from '@nestjs/microservices';
import { RABBITMQ_SERVER_BIN, startRabbitMq } from './brokers';
import { crossServiceSuite } from './cross-service.scenarios';

crossServiceSuite({
  system: 'rabbitmq',
  binary: RABBITMQ_SERVER_BIN,
  debianPackage: 'rabbitmq-server',
  start: startRabbitMq,
  client: (url, queue) =>
    ({
      transport: Transport.RMQ,
      options: { urls: [url], queue, queueOptions: { durable: false } },
    }) as never,
  childEnv: (url, queue) => ({ BROKER_URL: url, QUEUE: queue }),
  withOwnHeaders: (data, headers) => new RmqRecordBuilder(data).setOptions({ headers }).build(),
});
