import { Injectable, type Type } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { EventBus, type IEvent, type IEventPublisher } from '@nestjs/cqrs';
import { ClsServiceManager } from 'nestjs-cls';
import type { Observable } from 'rxjs';
import {
  CAUSATION_ID,
  HANDLED_MESSAGE_ID,
  HANDLED_MESSAGE_TYPE,
} from '../correlation/correlation.internal-constants';
import type { FailureReporter } from '../errors/failure-reporter';
import { MessagePropagationService } from './message-propagation.service';
import { RemoteOriginInterceptor } from './remote-origin.interceptor';

/** A @nestjs/microservices client, as far as the bridge uses it. */
export interface EventEmitterClient {
  emit(pattern: unknown, data: unknown): Observable<unknown>;
}

export interface BrokerEventPublisherOptions {
  /** The client the chosen events are emitted through (a `ClientProxy`). */
  readonly client: EventEmitterClient;
  /** Which events go on the broker: event classes, class names, or a predicate. */
  readonly events: readonly (Type<IEvent> | string)[] | ((event: IEvent) => boolean);
  /** The pattern an event is emitted with. @default the event's class name */
  readonly pattern?: (event: IEvent) => unknown;
  /** The publisher local handlers keep receiving through (the bus's own, usually). */
  readonly local?: IEventPublisher;
}

type Store = Record<symbol, unknown>;

/**
 * An `IEventPublisher` that hands every event to the local publisher (so this service's
 * handlers and sagas still run) and emits the chosen ones through a ClientProxy. The emit
 * happens inside the event's `event.dispatch` operation, so the message carries the event's
 * id, the flow's correlation id, its causation id and the dispatch span as parent.
 */
export class BrokerEventPublisher implements IEventPublisher {
  private readonly selected: (event: IEvent) => boolean;

  constructor(
    private readonly options: BrokerEventPublisherOptions,
    private readonly reporter?: FailureReporter,
  ) {
    const events = options.events;
    if (typeof events === 'function') {
      this.selected = events;
    } else if (Array.isArray(events)) {
      const names = new Set(events.map((e) => (typeof e === 'string' ? e : e.name)));
      this.selected = (event) => names.has(event?.constructor?.name ?? '');
    } else {
      throw new TypeError('BrokerEventPublisher: options.events must be an array or a function');
    }
    if (typeof options.client?.emit !== 'function') {
      throw new TypeError('BrokerEventPublisher: options.client must be a ClientProxy');
    }
  }

  publish<T extends IEvent>(event: T, ...rest: unknown[]): unknown {
    const local = this.options.local as
      { publish: (event: T, ...rest: unknown[]) => unknown } | undefined;
    const result = local?.publish(event, ...rest);
    this.forward(event);
    return result;
  }

  publishAll<T extends IEvent>(events: T[], ...rest: unknown[]): unknown {
    const local = this.options.local as
      | {
          publish: (event: T, ...rest: unknown[]) => unknown;
          publishAll?: (events: T[], ...rest: unknown[]) => unknown;
        }
      | undefined;
    const result =
      local?.publishAll !== undefined
        ? local.publishAll(events, ...rest)
        : events.map((event) => local?.publish(event, ...rest));
    for (const event of events) this.forward(event);
    return result;
  }

  private forward(event: IEvent): void {
    try {
      if (!this.selected(event)) return;
      const pattern = this.options.pattern?.(event) ?? event.constructor.name;
      this.options.client.emit(pattern, event).subscribe({
        error: (error: unknown) => this.report(error),
      });
    } catch (error) {
      this.report(error);
    }
  }

  private report(error: unknown): void {
    // The broker being down must not change the local publish: report and go on.
    if (this.reporter !== undefined) this.reporter.report('BrokerEventPublisher', error);
  }
}

/**
 * The CQRS bridge between services: `publishTo()` puts chosen EventBus events on a broker;
 * `publishReceived()`, called from an `@EventPattern` handler, feeds a received event into
 * this service's EventBus in the sender's flow.
 */
@Injectable()
export class CqrsEventBridge {
  constructor(
    private readonly moduleRef: ModuleRef,
    private readonly propagation: MessagePropagationService,
    private readonly origin: RemoteOriginInterceptor,
  ) {}

  /**
   * From now on, events chosen by `options.events` published on the application's EventBus
   * are also emitted through `options.client`. Returns the publisher now in place.
   */
  publishTo(options: Omit<BrokerEventPublisherOptions, 'local'>): BrokerEventPublisher {
    const bus = this.eventBus();
    const publisher = new BrokerEventPublisher(
      { ...options, local: bus.publisher },
      this.propagation.reporter,
    );
    bus.publisher = publisher;
    return publisher;
  }

  /**
   * Publishes an event received from another service on this service's EventBus. Call it
   * in the `@EventPattern` handler (whose context holds the sender's ids): the event keeps
   * its own `eventId`, its causation id is the sender's (not the event itself), and its
   * `event.dispatch`/`event.handler` operations carry `origin: 'remote'`.
   */
  publishReceived<T extends IEvent>(event: T, transport = 'remote'): unknown {
    if (event === null || typeof event !== 'object') {
      throw new TypeError('CqrsEventBridge.publishReceived(event): event must be an event object');
    }
    this.origin.markRemote(event, transport);
    const bus = this.eventBus();
    const cls = ClsServiceManager.getClsService();
    const store = cls.get() as Store | undefined;
    if (store === undefined) return bus.publish(event);
    // Inside the handler the received message is "being handled"; the event it carries is
    // that same message, so its causation is the sender's causation, not itself.
    return cls.runWith(
      {
        ...store,
        [HANDLED_MESSAGE_ID]: undefined,
        [HANDLED_MESSAGE_TYPE]: undefined,
        [CAUSATION_ID]: store[CAUSATION_ID],
      },
      () => bus.publish(event),
    );
  }

  private eventBus(): EventBus {
    return this.moduleRef.get(EventBus, { strict: false });
  }
}
