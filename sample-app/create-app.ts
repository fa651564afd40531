import type { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Logger } from 'nestjs-pino';
import { AppModule, type AppModuleOptions } from './app.module';

/**
 * The application as main.ts runs it and as the e2e tests boot it, so the tests exercise the
 * same logger wiring a user sees.
 */
export async function createApp(options: AppModuleOptions = {}): Promise<INestApplication> {
  const app = await NestFactory.create(AppModule.register(options), {
    // Nest's own startup lines wait for pino instead of going out unstructured.
    bufferLogs: true,
    // Throw on a bootstrap error instead of exiting, so callers (and tests) see the error.
    abortOnError: false,
  });
  app.useLogger(app.get(Logger));
  return app;
}
