/** What the propagation uses of `@nestjs/microservices`: only names its index exports. */
export interface MicroservicesPackage {
  readonly NatsRecord: new (
    data: unknown,
    headers?: unknown,
  ) => { data: unknown; headers?: unknown };
  readonly RmqRecord: new (
    data: unknown,
    options?: Record<string, unknown>,
  ) => { data: unknown; options?: Record<string, unknown> };
  readonly MqttRecord: new (
    data: unknown,
    options?: Record<string, unknown>,
  ) => { data: unknown; options?: Record<string, unknown> };
  readonly RpcException: new (error: string | object) => Error;
}

/** The part of the nats client (`nats` for Nest 11, `@nats-io/transport-node` for 12) used. */
export interface NatsHeadersPackage {
  headers(): NatsHeaders;
}

/** nats's `MsgHdrs`, as far as it is read and written here. */
export interface NatsHeaders {
  get(key: string): string;
  set(key: string, value: string): void;
  has(key: string): boolean;
  keys(): string[];
  values(key: string): string[];
  append(key: string, value: string): void;
}

/** Nest's pattern metadata keys (the same string in 11 and 12). */
export const PATTERN_METADATA = 'microservices:pattern';
