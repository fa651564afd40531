import { Injectable } from '@nestjs/common';
import { HookRegistry } from '../hooks/hook.registry';
import type { OperationFrame } from '../hooks/operation-frame';
import { BuiltInPriority } from '../hooks/operations';
import type { WatchingSignal } from '../hooks/signal';
import { MessagingAttributes, REMOTE_ORIGIN } from './microservices.constants';

/** Operation attribute: `remote` on events that came from another service. */
export const ORIGIN_ATTRIBUTE = 'origin';
/** Operation attribute: the transport a remote event came through. */
export const ORIGIN_SYSTEM_ATTRIBUTE = 'origin.messaging_system';

/**
 * Marks the `event.dispatch` and `event.handler` operations of events received from a
 * broker (`CqrsEventBridge.publishReceived()`): `origin: 'remote'` on the operation and
 * `cqrs.origin` on its span. Registered at the first received event, so apps that never
 * bridge pay nothing.
 */
@Injectable()
export class RemoteOriginInterceptor implements WatchingSignal {
  readonly operations: readonly string[] = Object.freeze(['event.dispatch.*', 'event.handler.*']);
  // Inside tracing (its span exists), outside everything that reads attributes.
  readonly priority = BuiltInPriority.tracing + 10;
  private readonly remote = new WeakMap<object, string>();
  private registered = false;

  constructor(private readonly registry: HookRegistry) {}

  /** Remembers `event` as received through `system`; beside the event, never on it. */
  markRemote(event: object, system: string): void {
    this.remote.set(event, system);
    if (this.registered) return;
    this.registered = true;
    this.registry.registerSignal(this, { operations: this.operations, priority: this.priority });
  }

  report(): void {
    // Marking is best effort: a span backend that refuses attributes must not fail the event.
  }

  start(frame: OperationFrame): void {
    const attributes = frame.attributes;
    const message = attributes.message;
    const system =
      message !== null && typeof message === 'object' ? this.remote.get(message) : undefined;
    if (system !== undefined) {
      attributes[ORIGIN_ATTRIBUTE] = REMOTE_ORIGIN;
      attributes[ORIGIN_SYSTEM_ATTRIBUTE] = system;
      const span = frame.span;
      if (span !== undefined) {
        try {
          span.setAttribute(MessagingAttributes.ORIGIN, REMOTE_ORIGIN);
          span.setAttribute(MessagingAttributes.ORIGIN_SYSTEM, system);
        } catch {
          // A span backend that refuses attributes must not fail the event.
        }
      }
    }
  }
}
