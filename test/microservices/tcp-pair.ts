import type { INestMicroservice, Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ClientsModule, Transport, type ClientProxy } from '@nestjs/microservices';
import { Test, type TestingModule } from '@nestjs/testing';
import { CqrsObservabilityModule } from '../../lib';
import { freePort } from './brokers';

const TCP = Symbol('tcp-client');

/** A TCP microservice on a free port and an app with a `ClientProxy` to it, both instrumented. */
export interface TcpPair {
  readonly server: INestMicroservice;
  readonly sender: TestingModule;
  readonly client: ClientProxy;
  /** Closes the sender, then the server. */
  close(): Promise<void>;
}

export async function startTcpPair(serverModule: Type): Promise<TcpPair> {
  const port = await freePort();
  const server = await NestFactory.createMicroservice(serverModule, {
    transport: Transport.TCP,
    options: { host: '127.0.0.1', port },
    logger: false,
  });
  await server.listen();
  const sender = await Test.createTestingModule({
    imports: [
      CqrsObservabilityModule.forRoot(),
      ClientsModule.register([
        { name: TCP, transport: Transport.TCP, options: { host: '127.0.0.1', port } },
      ]),
    ],
  }).compile();
  await sender.init();
  return {
    server,
    sender,
    client: sender.get<ClientProxy>(TCP),
    close: async () => {
      await sender.close();
      await server.close();
    },
  };
}
