import type { ExecutionContext } from '@nestjs/common';
import {
  ENVELOPE_DATA_KEY,
  ENVELOPE_HEADERS_KEY,
  MessagingSystems,
} from './microservices.constants';
import type { MessagingSystem } from './microservices.constants';
import type {
  MicroservicesPackage,
  NatsHeaders,
  NatsHeadersPackage,
} from './microservices-package';

const CLIENT_SYSTEMS: Readonly<Record<string, MessagingSystem>> = {
  ClientNats: MessagingSystems.NATS,
  ClientRMQ: MessagingSystems.RABBITMQ,
  ClientKafka: MessagingSystems.KAFKA,
  ClientMqtt: MessagingSystems.MQTT,
  ClientTCP: MessagingSystems.TCP,
  ClientRedis: MessagingSystems.REDIS,
  ClientGrpcProxy: MessagingSystems.GRPC,
};

const CONTEXT_SYSTEMS: Readonly<Record<string, MessagingSystem>> = {
  NatsContext: MessagingSystems.NATS,
  RmqContext: MessagingSystems.RABBITMQ,
  KafkaContext: MessagingSystems.KAFKA,
  MqttContext: MessagingSystems.MQTT,
  TcpContext: MessagingSystems.TCP,
  RedisContext: MessagingSystems.REDIS,
};

/**
 * The transport of a client or an RPC context, by the class it was built from (a subclass
 * of `ClientNats` is still NATS). Names, not class identity: an ESM app and this CommonJS
 * library may hold two copies of the package.
 */
function systemByClass(
  value: unknown,
  table: Readonly<Record<string, MessagingSystem>>,
): MessagingSystem | undefined {
  let proto: unknown =
    value === null || typeof value !== 'object' ? null : Object.getPrototypeOf(value);
  for (let depth = 0; proto !== null && proto !== Object.prototype && depth < 8; depth++) {
    const name = (proto as { constructor?: { name?: unknown } }).constructor?.name;
    if (typeof name === 'string' && Object.prototype.hasOwnProperty.call(table, name)) {
      return table[name];
    }
    proto = Object.getPrototypeOf(proto);
  }
  return undefined;
}

export function clientSystem(client: unknown): MessagingSystem | undefined {
  return systemByClass(client, CLIENT_SYSTEMS);
}

/** Transports whose messages carry headers the patched client can write. */
export function carriesHeaders(system: MessagingSystem, client: unknown): boolean {
  switch (system) {
    case MessagingSystems.NATS:
    case MessagingSystems.RABBITMQ:
    case MessagingSystems.KAFKA:
      return true;
    case MessagingSystems.MQTT:
      // User properties exist from MQTT 5 on; a 3.1.1 connection has nowhere to put them.
      return (client as { options?: { protocolVersion?: unknown } }).options?.protocolVersion === 5;
    default:
      return false;
  }
}

/** Whether `data` is an explicit envelope made by `messageEnvelope()`. */
export function isEnvelope(data: unknown): data is Record<string, unknown> {
  if (data === null || typeof data !== 'object') return false;
  const headers = (data as Record<string, unknown>)[ENVELOPE_HEADERS_KEY];
  return headers !== null && typeof headers === 'object' && !Array.isArray(headers);
}

/**
 * The outgoing data with `headers` added the way the transport carries them: a NatsRecord,
 * an RmqRecord, a Kafka message, an MqttRecord. A record the caller built is kept, its own
 * headers winning over ours; an explicit envelope gets its headers replaced.
 */
export function withHeaders(
  system: MessagingSystem,
  data: unknown,
  headers: Record<string, string>,
  ms: MicroservicesPackage,
  nats: NatsHeadersPackage | undefined,
): unknown {
  if (isEnvelope(data)) {
    return { ...data, [ENVELOPE_HEADERS_KEY]: { ...headers } };
  }
  switch (system) {
    case MessagingSystems.NATS: {
      if (nats === undefined) return data;
      const record = data instanceof ms.NatsRecord ? data : undefined;
      const merged = nats.headers();
      const own = record?.headers as NatsHeaders | undefined;
      if (own !== undefined && own !== null && typeof own.keys === 'function') {
        for (const key of own.keys())
          for (const value of own.values(key)) merged.append(key, value);
      }
      for (const key of Object.keys(headers)) if (!merged.has(key)) merged.set(key, headers[key]!);
      return new ms.NatsRecord(record === undefined ? data : record.data, merged);
    }
    case MessagingSystems.RABBITMQ: {
      if (data instanceof ms.RmqRecord) {
        const options = data.options ?? {};
        return new ms.RmqRecord(data.data, {
          ...options,
          headers: { ...headers, ...(options.headers as Record<string, unknown> | undefined) },
        });
      }
      return new ms.RmqRecord(data, { headers });
    }
    case MessagingSystems.KAFKA: {
      const isKafkaMessage =
        data !== null && typeof data === 'object' && ('key' in data || 'value' in data);
      if (!isKafkaMessage) return { value: data, headers };
      const message = data as Record<string, unknown>;
      return {
        ...message,
        headers: { ...headers, ...(message.headers as Record<string, unknown> | undefined) },
      };
    }
    case MessagingSystems.MQTT: {
      const record = data instanceof ms.MqttRecord ? data : undefined;
      const options = record?.options ?? {};
      const properties = (options.properties as Record<string, unknown> | undefined) ?? {};
      return new ms.MqttRecord(record === undefined ? data : record.data, {
        ...options,
        properties: {
          ...properties,
          userProperties: {
            ...headers,
            ...(properties.userProperties as Record<string, unknown> | undefined),
          },
        },
      });
    }
    default:
      return data;
  }
}

/** Where an incoming message's headers are, for one RPC execution context. */
export interface IncomingCarrier {
  readonly system: MessagingSystem | undefined;
  readonly get: (name: string) => unknown;
  /** The payload inside an explicit envelope, to hand to the handler instead of it. */
  readonly unwrapped?: { readonly data: unknown };
}

const NONE = (): undefined => undefined;

/** Finds the headers of the message an `@EventPattern`/`@MessagePattern` handler is given. */
export function incomingCarrier(context: ExecutionContext): IncomingCarrier {
  const rpc = context.switchToRpc();
  const ctx: unknown = rpc.getContext();
  const system = systemByClass(ctx, CONTEXT_SYSTEMS);
  const c = ctx as Record<string, (...args: unknown[]) => any>;
  switch (system) {
    case MessagingSystems.NATS: {
      const headers = c.getHeaders?.() as Partial<NatsHeaders> | undefined;
      const get = headers?.get;
      return {
        system,
        get: typeof get === 'function' ? (name) => get.call(headers, name) : NONE,
      };
    }
    case MessagingSystems.RABBITMQ:
      return { system, get: recordGetter(c.getMessage?.()?.properties?.headers) };
    case MessagingSystems.KAFKA:
      return { system, get: recordGetter(c.getMessage?.()?.headers) };
    case MessagingSystems.MQTT:
      return { system, get: recordGetter(c.getPacket?.()?.properties?.userProperties) };
    case MessagingSystems.TCP:
    case MessagingSystems.REDIS:
    case undefined: {
      const data: unknown = rpc.getData();
      if (isEnvelope(data)) {
        return {
          system: system ?? grpcOrUndefined(ctx),
          get: recordGetter(data[ENVELOPE_HEADERS_KEY]),
          unwrapped: { data: data[ENVELOPE_DATA_KEY] },
        };
      }
      if (system === undefined && grpcOrUndefined(ctx) !== undefined) {
        const metadata = ctx as { get(key: string): unknown[] };
        return { system: MessagingSystems.GRPC, get: (name) => metadata.get(name)?.[0] };
      }
      return { system, get: NONE };
    }
    default:
      return { system, get: NONE };
  }
}

/** gRPC handlers get the call's `Metadata` as their context. */
function grpcOrUndefined(ctx: unknown): MessagingSystem | undefined {
  if (ctx === null || typeof ctx !== 'object') return undefined;
  const metadata = ctx as { constructor?: { name?: unknown }; get?: unknown; getMap?: unknown };
  return metadata.constructor?.name === 'Metadata' &&
    typeof metadata.get === 'function' &&
    typeof metadata.getMap === 'function'
    ? MessagingSystems.GRPC
    : undefined;
}

function recordGetter(headers: unknown): (name: string) => unknown {
  if (headers === null || typeof headers !== 'object') return NONE;
  const record = headers as Record<string, unknown>;
  return (name) => (Object.prototype.hasOwnProperty.call(record, name) ? record[name] : undefined);
}

/** A pattern as Nest routes it: strings as they are, objects as JSON with sorted keys. */
export function patternName(pattern: unknown): string {
  if (typeof pattern === 'string') return pattern;
  if (typeof pattern === 'number') return String(pattern);
  if (pattern === null || typeof pattern !== 'object') return String(pattern);
  try {
    return JSON.stringify(sortKeys(pattern, 0));
  } catch {
    return 'unknown';
  }
}

function sortKeys(value: unknown, depth: number): unknown {
  if (value === null || typeof value !== 'object' || depth > 5) return value;
  if (Array.isArray(value)) return value.map((item) => sortKeys(item, depth + 1));
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value).sort()) {
    out[key] = sortKeys((value as Record<string, unknown>)[key], depth + 1);
  }
  return out;
}
