import { Injectable, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { DiscoveryService } from '@nestjs/core';
import { EventBus } from '@nestjs/cqrs';
import { RedactionPolicy } from '../redaction/redaction.policy';

/** The one method @nestjs/cqrs's EventBus calls on its logger. */
interface ErrorLogger {
  error(message: unknown, ...rest: unknown[]): void;
}

/** The EventBus field holding its `new Logger('EventBus')` (the same in @nestjs/cqrs 11 and 12). */
const UPSTREAM_LOGGER = '_logger';

interface Replaced {
  readonly bus: Record<string, unknown>;
  readonly original: ErrorLogger;
  readonly replacement: ErrorLogger;
}

/**
 * @nestjs/cqrs logs what an event handler, a saga or a command a saga emitted throws with
 * `logger.error(text, error)` — the raw error, whose message and stack may hold an e-mail or a
 * token, to whatever logger the app uses (nestjs-pino's included). The EventBus's logger is
 * given a view of the same logger that hands it the error as the redaction policy lets it out
 * (`RedactedError`: type, scrubbed message and stack), so these lines leak no more than the
 * module's own. The text and everything else upstream logs stay as they were.
 */
@Injectable()
export class UpstreamErrorLogRedaction implements OnModuleInit, OnModuleDestroy {
  private readonly replaced: Replaced[] = [];

  constructor(
    private readonly discovery: DiscoveryService,
    private readonly policy: RedactionPolicy,
  ) {}

  onModuleInit(): void {
    for (const wrapper of this.discovery.getProviders()) {
      const instance: unknown = wrapper.instance;
      if (instance instanceof EventBus) this.redact(instance as unknown as Record<string, unknown>);
    }
  }

  onModuleDestroy(): void {
    for (const { bus, original, replacement } of this.replaced.splice(0)) {
      // Replaced again since by someone else: leave theirs in place.
      if (bus[UPSTREAM_LOGGER] === replacement) bus[UPSTREAM_LOGGER] = original;
    }
  }

  private redact(bus: Record<string, unknown>): void {
    const original = bus[UPSTREAM_LOGGER];
    if (!isErrorLogger(original) || this.replaced.some((entry) => entry.bus === bus)) return;
    const policy = this.policy;
    // Everything but `error` (its context, its other methods) is the original logger's own.
    const replacement = Object.create(original as object) as ErrorLogger;
    replacement.error = function error(message: unknown, ...rest: unknown[]): void {
      original.error(message, ...rest.map((value) => policy.redactError(value)));
    };
    bus[UPSTREAM_LOGGER] = replacement;
    this.replaced.push({ bus, original, replacement });
  }
}

function isErrorLogger(value: unknown): value is ErrorLogger {
  return (
    value !== null &&
    typeof value === 'object' &&
    typeof (value as { error?: unknown }).error === 'function'
  );
}
