import type { Provider } from '@nestjs/common';
import { CqrsModule } from '@nestjs/cqrs';
import { Test, type TestingModule } from '@nestjs/testing';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-node';
import * as Sentry from '@sentry/nestjs';
import { LoggerModule } from 'nestjs-pino';
import { Registry } from 'prom-client';
import {
  CqrsObservabilityModule,
  type CqrsObservabilityModuleOptions,
  cqrsPinoHttpOptions,
} from '../../lib';
import { MemoryLogStream } from '../logging/memory-log-stream';
import { RecordingTransport, sentryTestOptions } from '../sentry/recording-transport';
import { startTracingSdk, type TracingSdk } from '../tracing/tracing-sdk';
import { flush } from '../utils/create-app';

/**
 * Every sink at once, each a real library: the OpenTelemetry SDK with an in-memory exporter,
 * pino (through nestjs-pino, configured with `cqrsPinoHttpOptions()`) writing to a stream,
 * the Sentry SDK with a recording transport and the integrations that read errors deepest
 * (linked errors, extra error data), and a prom-client registry scraped as text.
 */
export class AllSinks {
  readonly transport = new RecordingTransport();
  readonly logs = new MemoryLogStream();
  readonly registry = new Registry();
  private sdk: TracingSdk | undefined;
  app: TestingModule | undefined;

  async start(
    providers: Provider[],
    observability: CqrsObservabilityModuleOptions = {},
  ): Promise<TestingModule> {
    this.sdk = startTracingSdk();
    Sentry.init({
      ...sentryTestOptions(this.transport),
      integrations: [Sentry.linkedErrorsIntegration(), Sentry.extraErrorDataIntegration()],
      normalizeDepth: 10,
    });
    this.app = await Test.createTestingModule({
      imports: [
        CqrsModule.forRoot(),
        CqrsObservabilityModule.forRoot({
          logging: { payload: true },
          metrics: { registry: this.registry },
          tracing: { recordRequestedBy: true },
          ...observability,
        }),
        LoggerModule.forRoot({
          pinoHttp: [cqrsPinoHttpOptions({ level: 'debug' }), this.logs.stream],
        }),
      ],
      providers,
    }).compile();
    // @nestjs/cqrs logs event handler errors through Nest's console logger, outside this
    // library's pipeline; keep the test output readable.
    this.app.useLogger(false);
    await this.app.init();
    return this.app;
  }

  async stop(): Promise<void> {
    await this.app?.close();
    await Sentry.close(2000);
    await this.sdk?.shutdown();
  }

  /** Lets pending work settle and every Sentry event reach the transport. */
  async settle(): Promise<void> {
    await flush();
    await flush();
    await Sentry.flush(5000);
  }

  /** Forgets the spans finished so far. */
  resetSpans(): void {
    this.sdk!.exporter.reset();
  }

  spans(): ReadableSpan[] {
    return this.sdk!.exporter.getFinishedSpans();
  }

  /** Everything a span exports: name, attributes, events with their attributes, status. */
  spanTexts(): string[] {
    return this.spans().map((span) =>
      JSON.stringify({
        name: span.name,
        attributes: span.attributes,
        events: span.events.map((event) => ({ name: event.name, attributes: event.attributes })),
        status: span.status,
        links: span.links,
      }),
    );
  }

  logTexts(): string[] {
    return this.logs.lines.map((line) => JSON.stringify(line));
  }

  /** Each envelope as Sentry would send it (header and items). */
  sentryTexts(): string[] {
    return this.transport.envelopes.map((envelope) => JSON.stringify(envelope));
  }

  metricsText(): Promise<string> {
    return this.registry.metrics();
  }
}
