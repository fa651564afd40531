/**
 * What the sinks are given instead of a thrown value: its type, its message and stack with
 * secret-shaped text scrubbed, and its `cause` / `errors` chain in the same form — nothing
 * else. Enumerable fields of the original (an HTTP client's request config, a card object) and
 * its `toJSON` never reach a span, a log line or a Sentry event. The caller still gets the
 * original.
 */
export class RedactedError extends Error {
  /**
   * Class name of the thrown object (`TypeError`, `CardDeclinedError`, `Object`), or `typeof` of a
   * thrown primitive (`string`, `number`, `null`).
   */
  declare readonly type: string;
  /** Whether a primitive (a string, a number, `null`…) was thrown rather than an object. */
  declare readonly primitive: boolean;

  constructor(
    type: string,
    message: string,
    stack: string | undefined,
    primitive: boolean,
    cause?: RedactedError,
    errors?: ReadonlyArray<RedactedError>,
  ) {
    super(message);
    // Non-enumerable like the built-ins', so SDKs that copy enumerable fields copy nothing.
    Object.defineProperty(this, 'type', { value: type });
    Object.defineProperty(this, 'primitive', { value: primitive });
    Object.defineProperty(this, 'name', { value: type, configurable: true, writable: true });
    Object.defineProperty(this, 'stack', {
      value: stack ?? `${type}: ${message}`,
      configurable: true,
      writable: true,
    });
    if (cause !== undefined) {
      Object.defineProperty(this, 'cause', { value: cause, configurable: true, writable: true });
    }
    if (errors !== undefined) {
      Object.defineProperty(this, 'errors', { value: errors, configurable: true, writable: true });
    }
  }
}
