import type { FailureReporter } from '../errors/failure-reporter';
import { SENTRY_CONTEXT_NAME, SentryFailureSources } from './sentry.constants';
import type {
  SentryClientLike,
  SentryEventLike,
  SentryTransportResponseLike,
} from './sentry-sdk.interface';

/**
 * Reports (rate-limited) when Sentry does not deliver one of our events. The SDK swallows
 * transport failures; its `afterSendEvent` hook is the one place they can be seen: a rejected
 * request, a dropped or rate-limited envelope give an empty response, a refusal a 4xx/5xx.
 * Watches one client at a time — the current one — so nothing accumulates.
 */
export class SentryDeliveryWatcher {
  private client: SentryClientLike | undefined;
  private unsubscribe: (() => void) | undefined;

  constructor(private readonly reporter: FailureReporter) {}

  watch(client: SentryClientLike | undefined): void {
    if (client === undefined || client === this.client) return;
    this.stop();
    this.client = client;
    if (typeof client.on !== 'function') return;
    const unsubscribe = client.on('afterSendEvent', (event, response) =>
      this.onSent(event, response),
    );
    if (typeof unsubscribe === 'function') this.unsubscribe = unsubscribe;
  }

  stop(): void {
    this.unsubscribe?.();
    this.unsubscribe = undefined;
    this.client = undefined;
  }

  private onSent(event: SentryEventLike, response: SentryTransportResponseLike | undefined): void {
    try {
      if (event?.contexts?.[SENTRY_CONTEXT_NAME] === undefined) return;
      const status = response?.statusCode;
      if (status !== undefined && status < 400) return;
      const reason =
        status === undefined
          ? 'no response (network error, rate limit or full queue)'
          : `status ${status}`;
      this.reporter.report(
        SentryFailureSources.DELIVERY,
        new Error(`event ${event.event_id ?? '?'} was not delivered: ${reason}`),
      );
    } catch {
      // Inside the SDK's promise chain: nothing may escape.
    }
  }
}
