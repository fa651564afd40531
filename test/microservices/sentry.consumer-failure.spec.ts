import { Controller, Module } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { CqrsModule } from '@nestjs/cqrs';
import { EventPattern, Payload } from '@nestjs/microservices';
import { SpanStatusCode } from '@opentelemetry/api';
import * as Sentry from '@sentry/nestjs';
import { SentryGlobalFilter, SentryModule } from '@sentry/nestjs/setup';
import { lastValueFrom } from 'rxjs';
import {
  CqrsObservabilityModule,
  getCorrelationId,
  messageEnvelope,
  runWithContext,
} from '../../lib';
import { RecordingTransport, sentryTestOptions } from '../sentry/recording-transport';
import { startTracingSdk, type TracingSdk } from '../tracing/tracing-sdk';
import { startTcpPair, type TcpPair } from './tcp-pair';

/**
 * A transport handler that throws reaches Sentry like an HTTP handler's error does: through
 * the app's SentryGlobalFilter, in the sender's flow, while the CONSUMER span records it.
 */

const FAILURE = 'warehouse is on fire';
const seenIn: Array<string | undefined> = [];

@Controller()
class FailingController {
  @EventPattern('stock.fail')
  fail(@Payload() _data: unknown): void {
    seenIn.push(getCorrelationId());
    throw new Error(FAILURE);
  }
}

@Module({
  imports: [SentryModule.forRoot(), CqrsModule.forRoot(), CqrsObservabilityModule.forRoot()],
  controllers: [FailingController],
  providers: [{ provide: APP_FILTER, useClass: SentryGlobalFilter }],
})
class FailingModule {}

describe('a failing transport handler', () => {
  const transport = new RecordingTransport();
  let sdk: TracingSdk;
  let pair: TcpPair | undefined;

  beforeAll(async () => {
    sdk = startTracingSdk();
    Sentry.init({ ...sentryTestOptions(transport), skipOpenTelemetrySetup: true });
    pair = await startTcpPair(FailingModule);
  });

  afterAll(async () => {
    await pair?.close();
    await Sentry.close(2000);
    await sdk?.shutdown();
  });

  it('is captured once by Sentry and recorded on the CONSUMER span', async () => {
    const client = pair!.client;
    await runWithContext({ correlationId: 'failing-flow' }, () =>
      lastValueFrom(client.emit('stock.fail', messageEnvelope({ sku: 'F-1' })), {
        defaultValue: undefined,
      }),
    );
    let consumer;
    for (let i = 0; i < 300 && consumer === undefined; i++) {
      await new Promise((resolve) => setTimeout(resolve, 10));
      consumer = sdk.exporter.getFinishedSpans().find((s) => s.name === 'process stock.fail');
    }
    await Sentry.flush(2000);
    expect(seenIn).toEqual(['failing-flow']);
    expect(consumer?.status.code).toBe(SpanStatusCode.ERROR);
    const events = transport.events();
    expect(events).toHaveLength(1);
    expect(events[0]!.exception.values[0].value).toBe(FAILURE);
  });
});
