import { DynamicModule, Module, OnModuleInit, ValidationPipe } from '@nestjs/common';
import { APP_FILTER, APP_INTERCEPTOR, APP_PIPE } from '@nestjs/core';
import { CqrsModule } from '@nestjs/cqrs';
import { SentryGlobalFilter, SentryModule } from '@sentry/nestjs/setup';
import { PrometheusModule } from '@willsoto/nestjs-prometheus';
import { ClsModule } from 'nestjs-cls';
import {
  CqrsObservabilityModule,
  cqrsPinoHttpOptions,
  HookRegistry,
  installFrameworkHooks,
} from 'nestjs-cqrs-observability';
import { LoggerModule } from 'nestjs-pino';
import { destination, type DestinationStream } from 'pino';
import type { Options as PinoHttpOptions } from 'pino-http';
import { AppConfigModule } from './app-config.module';
import { APP_CONFIG, type AppConfig, readAppConfig } from './app.config';
import { cqrsObservabilityOptions } from './cqrs-observability.options';
import { FlowsController } from './flows/flows.controller';
import { AuditInterceptor } from './hooks/audit.interceptor';
import { HttpRouteInterceptor } from './http/http-route.interceptor';
import { OrdersModule } from './orders/orders.module';
import { WarehouseClientModule } from './warehouse/warehouse-client.module';

export interface AppModuleOptions {
  /** @default readAppConfig() (the environment) */
  config?: AppConfig;
  /** Where pino writes its lines. Tests pass a stream they read. @default stdout */
  logDestination?: DestinationStream;
}

/** Keys hidden in every log line, whoever logs them: pino's last line of defence. */
// Beyond the credential headers the library's options already redact.
const REDACTED_LOG_PATHS = ['email', '*.email', 'password', '*.password'];

@Module({})
export class AppModule implements OnModuleInit {
  constructor(private readonly hooks: HookRegistry) {}

  onModuleInit(): void {
    // A span per framework operation (`projection.process.*`, `outbox.*`, `uow.*`, …, the
    // reference toolkit's profile); operations the built-in tracing already spans are skipped.
    installFrameworkHooks(this.hooks);
  }

  static register(options: AppModuleOptions = {}): DynamicModule {
    const config = options.config ?? readAppConfig();
    const pinoHttp = pinoHttpOptions(config);
    return {
      module: AppModule,
      imports: [
        AppConfigModule.forRoot(config),
        // The app owns the CLS context (the library never calls ClsModule.forRoot): the
        // middleware opens one per request, where the library reads and echoes the
        // x-correlation-id header.
        ClsModule.forRoot({ global: true, middleware: { mount: true } }),
        CqrsModule.forRoot(),
        LoggerModule.forRoot({
          // Synchronous stdout keeps pino's lines in order with the span lines and the banner,
          // which a newcomer reads top to bottom. pino's default buffers them.
          pinoHttp: [pinoHttp, options.logDestination ?? destination({ dest: 1, sync: true })],
        }),
        // Serves GET /metrics from prom-client's default registry, where the library's
        // cqrs_* metrics are registered.
        PrometheusModule.register(),
        // Does nothing until Sentry.init() ran (instrument.ts, when SENTRY_DSN is set).
        SentryModule.forRoot(),
        CqrsObservabilityModule.forRootAsync({
          inject: [APP_CONFIG],
          useFactory: cqrsObservabilityOptions,
        }),
        // Only with NATS_URL: the saga's stock reservation goes to the warehouse service.
        WarehouseClientModule.register(config.natsUrl),
        OrdersModule,
      ],
      // GET /cqrs/flows: the library's message-flow map as JSON and as an SVG page.
      controllers: [FlowsController],
      providers: [
        // Resolved through DI by the library because it is listed in `interceptors`.
        AuditInterceptor,
        {
          provide: APP_PIPE,
          useValue: new ValidationPipe({
            whitelist: true,
            forbidNonWhitelisted: true,
            transform: true,
          }),
        },
        // Server spans named after their route (`POST /orders`), not just the method.
        { provide: APP_INTERCEPTOR, useClass: HttpRouteInterceptor },
        // Reports unexpected HTTP errors. A failed command reaches it after the library captured
        // it; Sentry drops a second capture of the same error object, so it is reported once.
        { provide: APP_FILTER, useClass: SentryGlobalFilter },
      ],
    };
  }
}

function pinoHttpOptions(config: AppConfig): PinoHttpOptions {
  const options: PinoHttpOptions = {
    level: config.logLevel,
    customLogLevel: (_req, res, error) =>
      error !== undefined || res.statusCode >= 500
        ? 'error'
        : res.statusCode >= 400
          ? 'warn'
          : 'info',
    // Prometheus scrapes every few seconds.
    autoLogging: { ignore: (req) => req.url === '/metrics' },
  };
  // The library's safe setup: credential headers redacted, `req` kept off the lines logged
  // inside a request (the "request completed" line still has it), correlation_id, causation_id
  // and trace_id on every line.
  return cqrsPinoHttpOptions({ ...options, redactPaths: REDACTED_LOG_PATHS });
}
