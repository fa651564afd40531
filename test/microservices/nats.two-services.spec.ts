import { Transport } from '@nestjs/microservices';
import { loadNatsHeaders } from './nats-headers';
import { NATS_SERVER_BIN, startNats } from './brokers';
import { crossServiceSuite } from './cross-service.scenarios';

crossServiceSuite({
  system: 'nats',
  binary: NATS_SERVER_BIN,
  debianPackage: 'nats-server',
  start: startNats,
  client: (url) => ({ transport: Transport.NATS, options: { servers: [url] } }) as never,
  childEnv: (url) => ({ BROKER_URL: url }),
  withOwnHeaders: (data, headers) => {
    const { NatsRecordBuilder } =
      require('@nestjs/microservices') as typeof import('@nestjs/microservices');
    const natsHeaders = loadNatsHeaders();
    for (const [key, value] of Object.entries(headers)) natsHeaders.set(key, value);
    return new NatsRecordBuilder(data).setHeaders(natsHeaders).build();
  },
});
