import { AsyncLocalStorage } from 'node:async_hooks';
import { Observable, type MonoTypeOperatorFunction, type Operator, type Subscriber } from 'rxjs';

type Resume = <R>(fn: () => R) => R;

/**
 * Most events that a saga's operators hold back and emit later come out in a timer, and an
 * RxJS timer runs in the async context in which it was *scheduled*: `debounceTime` and
 * `auditTime` schedule on the first event of a burst but emit the last one, `bufferTime`
 * schedules when it is subscribed. So the ambient context cannot say which flow an emission
 * belongs to. The value can: whenever an operator of a saga's stream emits an event (or an
 * array holding events), the rest of the stream runs in the async context the event entered
 * the saga with — its correlation frame and its active span.
 */
const entries = new WeakMap<object, Resume>();

/** The other events of an emission that merged several, while the rest of it runs. */
const mergedEvents = new AsyncLocalStorage<readonly object[]>();

/** Links a saga span keeps at most for the events merged into its emission. */
export const MAX_LINKED_EVENTS = 64;

// The value whose flow is being resumed right now (synchronously): the next stage that passes
// the same value on needs no second switch.
let resuming: unknown;

/** Remembers the async context `event` enters a saga in; called inside that context. */
export function rememberSagaEntry(event: unknown): void {
  if (event !== null && typeof event === 'object') {
    entries.set(event, AsyncLocalStorage.snapshot() as Resume);
  }
}

/** The events merged into the emission being run now, beside the one it continues. */
export function mergedEventsOfEmission(): readonly object[] | undefined {
  return mergedEvents.getStore();
}

/**
 * A saga's input stream. Every operator piped onto it (through `lift`, as RxJS 7's operators
 * are) gives back a stream of this class again, so each stage's emissions pass `emitInFlow`.
 */
export class SagaEventStream<T> extends Observable<T> {
  override lift<R>(operator?: Operator<T, R>): Observable<R> {
    const stage = super.lift(operator);
    return new SagaEventStream<R>((subscriber) =>
      stage.subscribe({
        next: (value) => emitInFlow(value, subscriber),
        error: (error: unknown) => subscriber.error(error),
        complete: () => subscriber.complete(),
      }),
    );
  }
}

/**
 * Emits `value` in the flow of the event it is: an event that entered a saga runs on in its
 * own context; an array runs in the context of the last event in it, the other events (at
 * most `MAX_LINKED_EVENTS`) kept for the saga span's links. Anything else is emitted as is.
 */
function emitInFlow<T>(value: T, subscriber: Subscriber<T>): void {
  if (value === null || typeof value !== 'object' || value === resuming) {
    subscriber.next(value);
    return;
  }
  if (!Array.isArray(value)) {
    const resume = entries.get(value);
    if (resume === undefined) subscriber.next(value);
    else resume(() => nextResuming(value, subscriber));
    return;
  }
  let last = value.length - 1;
  while (last >= 0 && !isEntered(value[last])) last--;
  if (last < 0) {
    subscriber.next(value);
    return;
  }
  const others: object[] = [];
  for (let i = 0; i < last && others.length < MAX_LINKED_EVENTS; i++) {
    if (isEntered(value[i])) others.push(value[i] as object);
  }
  entries.get(value[last] as object)!(() =>
    others.length === 0
      ? nextResuming(value, subscriber)
      : mergedEvents.run(others, () => nextResuming(value, subscriber)),
  );
}

function nextResuming<T>(value: T, subscriber: Subscriber<T>): void {
  const outer = resuming;
  resuming = value;
  try {
    subscriber.next(value);
  } finally {
    resuming = outer;
  }
}

function isEntered(value: unknown): boolean {
  return value !== null && typeof value === 'object' && entries.has(value);
}

/**
 * Runs what `source` emits in the flow of `event`. For an inner observable that an operator
 * subscribes late — `concatMap` and `exhaustMap` queues, `mergeMap` with a concurrency limit
 * start it when the previous inner completes, in that inner's async context — and that emits
 * a command rather than the event itself:
 *
 * ```ts
 * concatMap((event) => timer(10).pipe(map(() => new ShipOrder({ … })), inFlowOf(event)))
 * ```
 */
export function inFlowOf<T>(event: object): MonoTypeOperatorFunction<T> {
  return (source) =>
    new Observable<T>((subscriber) =>
      source.subscribe({
        next: (value) => {
          const resume = entries.get(event);
          if (resume === undefined) subscriber.next(value);
          else resume(() => subscriber.next(value));
        },
        error: (error: unknown) => subscriber.error(error),
        complete: () => subscriber.complete(),
      }),
    );
}
