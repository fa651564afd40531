import { declareTelemetryPolicy } from '../hooks/cqrs-telemetry.decorator';
import type { EventHandlerTraceShape } from './tracing.options';

/**
 * Chooses how the handlers of this event are traced, over the global `tracing.eventHandlerTrace`:
 * `'child'` continues the publisher's trace, `'link'` starts a new trace per handler, linked
 * to the publish span. The same as `@CqrsTelemetry({ trace: shape })`, and it follows the same
 * precedence: an entry for the event in `telemetry.messages` or `tracing.eventHandlerTraceByEvent`,
 * or a handler's own policy, wins over it. Subclasses inherit it.
 *
 * ```ts
 * @EventHandlerTrace('link')
 * export class NightlyReportRequested extends BaseEvent {}
 * ```
 */
export function EventHandlerTrace(shape: EventHandlerTraceShape): ClassDecorator {
  if (shape !== 'child' && shape !== 'link') {
    throw new TypeError(`@EventHandlerTrace(shape): shape must be 'child' or 'link'`);
  }
  return (target) => declareTelemetryPolicy(target, { trace: shape }, 'EventHandlerTrace');
}
