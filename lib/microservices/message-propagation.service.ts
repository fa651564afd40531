import { Inject, Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { DiscoveryService } from '@nestjs/core';
import { isSpanContextValid, context as otelContext, SpanKind, trace } from '@opentelemetry/api';
import { Observable } from 'rxjs';
import type { Registry } from 'prom-client';
import { PatchSet } from '../bus/patch-set';
import { FAILURE_REPORTER, RESOLVED_OPTIONS } from '../shared/tokens';
import type { FailureReporter } from '../errors/failure-reporter';
import { loadOptionalPackage, loadOptionalPeer } from '../shared/optional-package';
import type { ResolvedCorrelationOptions } from '../correlation/correlation.options';
import type { ResolvedMetricsOptions } from '../metrics/metrics.options';
import type { CqrsSpan, SpanAttributes } from '../tracing/span-factories/cqrs-span.interface';
import type { SpanFactory } from '../tracing/span-factories/span-factory.interface';
import { SPAN_FACTORY } from '../tracing/tracing.internal-constants';
import { outgoingIds, writeMessageHeaders, type OutgoingMessageIds } from './message-context';
import { MessagingMetrics } from './messaging.metrics';
import {
  MessagingAttributes,
  MessagingOperations,
  MessagingSpanNames,
  type MessagingSystem,
} from './microservices.constants';
import type { MicroservicesPackage, NatsHeadersPackage } from './microservices-package';
import type { ResolvedMicroservicesOptions } from './microservices.options';
import {
  carriesHeaders,
  clientSystem,
  isEnvelope,
  patternName,
  withHeaders,
} from './transport-carriers';
import { OperationOutcome } from '../hooks/operation-outcome';
import { LOGGER_CONTEXT } from '../errors/logger-context';

/** The part of the module's resolved options read here (the module provides all of them). */
type ModuleOptions = {
  readonly correlation: ResolvedCorrelationOptions | false;
  readonly metrics: ResolvedMetricsOptions | false;
  readonly microservices: ResolvedMicroservicesOptions | false;
  /** Only whether validation is on is read here. */
  readonly validation: object | false;
};

type Method = (...args: any[]) => any;
const SOURCE = 'Cross-service propagation';
const MICROSERVICES = '@nestjs/microservices';

/**
 * Cross-service propagation for @nestjs/microservices: patches `emit`/`send` of every
 * ClientProxy provider so each outgoing message gets a PRODUCER span and carries the flow's
 * ids and trace context in its transport's headers; holds what the consumer side
 * (`MessageContextInterceptor`) needs. Off when the package is not installed.
 */
@Injectable()
export class MessagePropagationService implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(LOGGER_CONTEXT);
  private readonly patches = new PatchSet();
  readonly options: ResolvedMicroservicesOptions | false;
  private ms: MicroservicesPackage | undefined;
  private rpcOnly: MicroservicesPackage | undefined | null;
  private natsV2: NatsHeadersPackage | undefined | null;
  private natsV3: NatsHeadersPackage | undefined | null;
  private messagingMetrics: MessagingMetrics | undefined | null;

  constructor(
    private readonly discovery: DiscoveryService,
    @Inject(RESOLVED_OPTIONS) private readonly root: ModuleOptions,
    @Inject(FAILURE_REPORTER) readonly reporter: FailureReporter,
    @Inject(SPAN_FACTORY) readonly spans: SpanFactory,
  ) {
    this.options =
      root.microservices === false || root.correlation === false ? false : root.microservices;
  }

  /**
   * The transport metrics, registered at the first message sent or handled: an app that has
   * the package installed but never uses a transport gets no extra series.
   */
  get metrics(): MessagingMetrics | undefined {
    if (this.messagingMetrics === undefined) {
      this.messagingMetrics =
        this.options === false ? null : (this.createMetrics(this.options) ?? null);
    }
    return this.messagingMetrics ?? undefined;
  }

  /** Whether handlers and clients are instrumented (the package is there and the option on). */
  get active(): boolean {
    return this.ms !== undefined;
  }

  /** Whether messages are validated, so a handler's error may be an invalid message. */
  get validating(): boolean {
    return this.root.validation !== false;
  }

  /**
   * `@nestjs/microservices` for the consumer side: the one loaded at init, or — with
   * propagation off — loaded at the first invalid message a transport handler rejects.
   */
  readonly microservices = (): MicroservicesPackage | undefined => {
    if (this.ms === undefined && this.rpcOnly === undefined) {
      const loaded = loadOptionalPackage<MicroservicesPackage>(MICROSERVICES);
      this.rpcOnly = loaded.status === 'loaded' ? loaded.module : null;
    }
    return this.ms ?? this.rpcOnly ?? undefined;
  };

  onModuleInit(): void {
    if (this.options === false) return;
    const ms = loadOptionalPeer<MicroservicesPackage>(
      MICROSERVICES,
      'cross-service propagation is off',
      this.logger,
    );
    if (ms === undefined) return;
    this.ms = ms;
    for (const wrapper of this.discovery.getProviders()) {
      const instance: unknown = wrapper.instance;
      const system = clientSystem(instance);
      if (system !== undefined) this.patchClient(instance as object, system);
    }
  }

  onModuleDestroy(): void {
    this.patches.restoreAll();
  }

  private patchClient(client: object, system: MessagingSystem): void {
    this.patchMethod(client, 'emit', system, this.emit.bind(this));
    this.patchMethod(client, 'send', system, this.send.bind(this));
  }

  /** Replaces `emit` or `send`; a missing pattern or data is left to @nestjs/microservices. */
  private patchMethod(
    client: object,
    name: 'emit' | 'send',
    system: MessagingSystem,
    via: (
      client: object,
      system: MessagingSystem,
      original: Method,
      pattern: unknown,
      data: unknown,
    ) => unknown,
  ): void {
    this.patches.replace<Method>(
      client,
      name,
      (original) =>
        function (this: object, pattern: unknown, data: unknown) {
          if (pattern === null || pattern === undefined || data === null || data === undefined) {
            return original.call(this, pattern, data);
          }
          return via(this, system, original, pattern, data);
        },
    );
  }

  private emit(
    client: object,
    system: MessagingSystem,
    original: Method,
    pattern: unknown,
    data: unknown,
  ): unknown {
    const prepared = this.prepare(client, system, pattern, data, 'emit');
    if (prepared === undefined) return original.call(client, pattern, data);
    const { span, outgoing, destination } = prepared;
    let result: unknown;
    try {
      result = span.runInContext(() => original.call(client, pattern, outgoing));
    } catch (error) {
      this.settle(span, system, destination, error);
      throw error;
    }
    // emit() returns a hot observable that already runs: watch it, hand it back unchanged.
    if (result instanceof Observable) {
      result.subscribe({
        error: (error: unknown) => this.settle(span, system, destination, error),
        complete: () => this.settle(span, system, destination, undefined),
      });
    } else {
      this.settle(span, system, destination, undefined);
    }
    return result;
  }

  private send(
    client: object,
    system: MessagingSystem,
    original: Method,
    pattern: unknown,
    data: unknown,
  ): unknown {
    // send() is cold: each subscription is one request, sent from the caller's context.
    const active = otelContext.active();
    const ids = this.safeIds(data);
    if (ids === undefined) return original.call(client, pattern, data);
    return new Observable<unknown>((subscriber) => {
      const prepared = otelContext.with(active, () =>
        this.prepare(client, system, pattern, data, 'send', {
          ...ids,
          sentAt: Date.now(),
        }),
      );
      if (prepared === undefined) {
        return (original.call(client, pattern, data) as Observable<unknown>).subscribe(subscriber);
      }
      const { span, outgoing, destination } = prepared;
      let settled = false;
      const settle = (error: unknown) => {
        if (settled) return;
        settled = true;
        this.settle(span, system, destination, error);
      };
      const subscription = span.runInContext(() =>
        (original.call(client, pattern, outgoing) as Observable<unknown>).subscribe({
          next: (value) => subscriber.next(value),
          error: (error: unknown) => {
            settle(error);
            subscriber.error(error);
          },
          complete: () => {
            settle(undefined);
            subscriber.complete();
          },
        }),
      );
      return () => {
        subscription.unsubscribe();
        settle(undefined);
      };
    });
  }

  private safeIds(data: unknown): Omit<OutgoingMessageIds, 'sentAt'> | undefined {
    try {
      return outgoingIds(ownMessageId(data));
    } catch (error) {
      this.reporter.report(SOURCE, error);
      return undefined;
    }
  }

  /** The producer span and the data with headers; undefined when that could not be made. */
  private prepare(
    client: object,
    system: MessagingSystem,
    pattern: unknown,
    data: unknown,
    operationName: string,
    given?: OutgoingMessageIds,
  ): { span: CqrsSpan; outgoing: unknown; destination: string } | undefined {
    let span: CqrsSpan | undefined;
    try {
      const ids = given ?? outgoingIds(ownMessageId(data));
      const destination = patternName(pattern);
      const attributes: SpanAttributes = {
        [MessagingAttributes.MESSAGING_SYSTEM]: system,
        [MessagingAttributes.DESTINATION_NAME]: destination,
        [MessagingAttributes.OPERATION_TYPE]: MessagingOperations.SEND,
        [MessagingAttributes.OPERATION_NAME]: operationName,
        [MessagingAttributes.MESSAGE_ID]: ids.messageId,
        [MessagingAttributes.CONVERSATION_ID]: ids.correlationId,
      };
      if (ids.causationId !== undefined) {
        attributes[MessagingAttributes.CAUSATION_ID] = ids.causationId;
      }
      if (ids.tenantId !== undefined) attributes[MessagingAttributes.TENANT_ID] = ids.tenantId;
      span = this.spans.createDispatchSpan(
        MessagingSpanNames.send(destination),
        attributes,
        SpanKind.PRODUCER,
      );
      const created = span;
      let outgoing = data;
      if (carriesHeaders(system, client) || isEnvelope(data)) {
        // The producer span's context when it records; the caller's (an HTTP span, another
        // instrumentation's) when tracing is off here.
        const spanContext = created.spanContext();
        const parent = isSpanContextValid(spanContext)
          ? trace.setSpanContext(otelContext.active(), spanContext)
          : otelContext.active();
        const headers = writeMessageHeaders({}, ids, parent);
        outgoing = withHeaders(system, data, headers, this.ms!, this.natsHeaders(client, system));
      }
      return { span: created, outgoing, destination };
    } catch (error) {
      this.reporter.report(SOURCE, error);
      span?.end();
      return undefined;
    }
  }

  private settle(span: CqrsSpan, system: MessagingSystem, destination: string, error: unknown) {
    try {
      const outcome = error === undefined ? OperationOutcome.SUCCESS : OperationOutcome.ERROR;
      span.setAttribute(MessagingAttributes.OUTCOME, outcome);
      if (error !== undefined) span.recordError(error);
      const metrics = this.metrics;
      metrics?.recordSent(system, metrics.pattern(destination), outcome);
    } catch (failure) {
      this.reporter.report(SOURCE, failure);
    } finally {
      span.end();
    }
  }

  /** nats's `headers()` of the client library the Nest major uses (v2 for 11, v3 for 12). */
  private natsHeaders(client: object, system: MessagingSystem): NatsHeadersPackage | undefined {
    if (system !== 'nats') return undefined;
    const nest12 =
      typeof (client as { setOnDispatchHook?: unknown }).setOnDispatchHook === 'function';
    if (nest12) {
      if (this.natsV3 === undefined) this.natsV3 = this.loadNats('@nats-io/transport-node');
      return this.natsV3 ?? undefined;
    }
    if (this.natsV2 === undefined) this.natsV2 = this.loadNats('nats');
    return this.natsV2 ?? undefined;
  }

  private loadNats(name: string): NatsHeadersPackage | null {
    const nats = loadOptionalPeer<NatsHeadersPackage>(
      name,
      'NATS messages are sent without context headers',
      this.logger,
      (module) => typeof module.headers === 'function',
    );
    return nats ?? null;
  }

  private createMetrics(options: ResolvedMicroservicesOptions): MessagingMetrics | undefined {
    const metrics = this.root.metrics;
    if (metrics === false) return undefined;
    const loaded = loadOptionalPackage<typeof import('prom-client')>('prom-client');
    if (loaded.status !== 'loaded') return undefined;
    try {
      const registry = (metrics.registry ?? loaded.module.register) as Registry;
      return new MessagingMetrics(
        loaded.module,
        registry,
        metrics.buckets,
        options.maxPatterns,
        this.reporter,
      );
    } catch (error) {
      this.reporter.report('Starting transport metrics', error);
      return undefined;
    }
  }
}

/** A BaseEvent's `eventId` or a BaseCommand's `requestId` becomes the message's id. */
function ownMessageId(data: unknown): unknown {
  if (data === null || typeof data !== 'object') return undefined;
  const record = data as Record<string, unknown>;
  return record.eventId ?? record.requestId;
}
