/** The sample's settings, read from the environment once at startup. */
export interface AppConfig {
  /** `PORT`. @default 3000 */
  readonly port: number;
  /** `LOG_LEVEL`: pino level. @default 'info' */
  readonly logLevel: string;
  /** `SLOW_THRESHOLD_MS`: commands and queries slower than this log at warn. @default 500 */
  readonly slowThresholdMs: number;
  /** `LOG_PAYLOADS`: add the redacted message to each CQRS log line. @default true */
  readonly logPayloads: boolean;
  /**
   * `NATS_URL`: reserve stock through the warehouse service over NATS instead of in process.
   * @default undefined (everything in this process, no outside service)
   */
  readonly natsUrl?: string;
}

/** DI token of the AppConfig, injected into `CqrsObservabilityModule.forRootAsync`'s factory. */
export const APP_CONFIG = Symbol('orders-sample.config');

export function readAppConfig(env: NodeJS.ProcessEnv = process.env): AppConfig {
  return {
    port: readInteger(env, 'PORT', 3000),
    logLevel: env.LOG_LEVEL ?? 'info',
    slowThresholdMs: readInteger(env, 'SLOW_THRESHOLD_MS', 500),
    logPayloads: env.LOG_PAYLOADS !== 'false',
    ...(env.NATS_URL ? { natsUrl: env.NATS_URL } : {}),
  };
}

function readInteger(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  // Fail at startup, naming the variable, rather than listen on NaN or never warn.
  if (!Number.isInteger(value) || value < 0) {
    throw new Error(`${name} must be a non-negative integer, got "${raw}"`);
  }
  return value;
}
