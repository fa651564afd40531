/** nats's `headers()` from the client library the installed Nest major uses. */
export function loadNatsHeaders(): { set(key: string, value: string): void } {
  for (const name of ['nats', '@nats-io/transport-node']) {
    try {
      return (require(name) as { headers(): { set(key: string, value: string): void } }).headers();
    } catch {
      // Try the next one.
    }
  }
  throw new Error('neither nats nor @nats-io/transport-node is installed');
}
