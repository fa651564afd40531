import * as Sentry from '@sentry/nestjs';

/** An error event as the transport saw it. */
export type SentryEvent = Record<string, any>;

/** What the recording transport answers: accept, refuse with a status, or fail the request. */
export type TransportMode = 'accept' | 'refuse-500' | 'reject';

/**
 * A real Sentry transport (the SDK's own `createTransport`) whose requests are recorded in
 * memory instead of going out: the test reads back exactly the envelopes Sentry would send.
 */
export class RecordingTransport {
  readonly envelopes: Array<{
    header: Record<string, any>;
    items: Array<[Record<string, any>, any]>;
  }> = [];
  mode: TransportMode = 'accept';
  requests = 0;

  /** For `Sentry.init({ transport })`. */
  readonly factory = (options: Parameters<typeof Sentry.createTransport>[0]) =>
    Sentry.createTransport(options, (request) => {
      this.requests++;
      this.envelopes.push(parseEnvelope(request.body));
      if (this.mode === 'reject') return Promise.reject(new Error('connection refused'));
      return Promise.resolve({ statusCode: this.mode === 'refuse-500' ? 500 : 200 });
    });

  /** The error events sent so far. */
  events(): SentryEvent[] {
    return this.envelopes.flatMap((envelope) =>
      envelope.items.filter(([header]) => header.type === 'event').map(([, payload]) => payload),
    );
  }

  clear(): void {
    this.envelopes.length = 0;
    this.requests = 0;
  }
}

/** Sentry's envelope format: a header line, then an item header line and a payload line per item. */
function parseEnvelope(body: string | Uint8Array): RecordingTransport['envelopes'][number] {
  const text = typeof body === 'string' ? body : new TextDecoder().decode(body);
  const [header, ...rest] = text.split('\n').filter((line) => line !== '');
  const items: Array<[Record<string, any>, any]> = [];
  for (let i = 0; i + 1 < rest.length; i += 2) {
    items.push([JSON.parse(rest[i]!), JSON.parse(rest[i + 1]!)]);
  }
  return { header: JSON.parse(header!), items };
}

/** Sentry options every spec uses: the recording transport and nothing that phones home. */
export function sentryTestOptions(transport: RecordingTransport): Sentry.NodeOptions {
  return {
    dsn: 'https://public@o0.ingest.sentry.io/0',
    transport: transport.factory,
    defaultIntegrations: false,
    sendClientReports: false,
  };
}
