import type { EventHandlerTraceShape } from './tracing.options';

// Keyed by class: subclasses inherit through the constructor chain, and classes can be collected.
const shapes = new WeakMap<object, EventHandlerTraceShape>();

/**
 * Chooses how the handlers of this event are traced, over the global `tracing.eventHandlerTrace`:
 * `'child'` continues the publisher's trace, `'link'` starts a new trace per handler, linked
 * to the publish span. An entry for the event in `tracing.eventHandlerTraceByEvent` wins over
 * this decorator. Subclasses inherit it.
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
  return (target) => {
    shapes.set(target, shape);
  };
}

/** The shape set with `@EventHandlerTrace()` on `eventClass` or its nearest decorated base. */
export function getEventHandlerTrace(eventClass: unknown): EventHandlerTraceShape | undefined {
  try {
    let current: unknown = eventClass;
    while (typeof current === 'function' && current !== Function.prototype) {
      const shape = shapes.get(current);
      if (shape !== undefined) return shape;
      current = Object.getPrototypeOf(current);
    }
  } catch {
    // A class whose prototype chain cannot be read keeps the configured default.
  }
  return undefined;
}
