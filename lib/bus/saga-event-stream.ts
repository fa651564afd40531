import { AsyncLocalStorage } from 'node:async_hooks';
import { anchorShape } from '../shared/shape-anchor';
import {
  Observable,
  type MonoTypeOperatorFunction,
  type Operator,
  type Subscriber,
  type TeardownLogic,
} from 'rxjs';

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

/** The event being carried through a saga's stream, in every context its entry leads to. */
const carriedEvent = new AsyncLocalStorage<object>();

// Events a saga's first operator (typically `ofType`) let through: the saga took them.
// Marked only while something asks (`watchSagaIntake`), so nothing is kept otherwise.
const takenBySaga = new WeakSet<object>();
let intakeWatchers = 0;

/** Links a saga span keeps at most for the events merged into its emission. */
export const MAX_LINKED_EVENTS = 64;

// The value whose flow is being resumed right now (synchronously): the next stage that passes
// the same value on needs no second switch.
let resuming: unknown;

// A snapshot is a function bound to a new AsyncResource, both given properties one by one:
// without one alive, a full GC between events collects their hidden classes, and the code
// that took the snapshot (`enterSaga`, Node's AsyncResource) is deoptimised (shape-anchor.ts).
anchorShape(AsyncLocalStorage.snapshot());

/**
 * Delivers `event` into a saga's stream through `deliver`, remembering the async context it
 * enters with (and carrying the event in it), so later stages can resume its flow.
 */
export function enterSaga(event: unknown, deliver: () => void): void {
  if (event === null || typeof event !== 'object') {
    deliver();
    return;
  }
  carriedEvent.run(event, () => {
    entries.set(event, AsyncLocalStorage.snapshot() as Resume);
    deliver();
  });
}

/** The event whose flow the current saga emission continues. */
export function eventOfEmission(): object | undefined {
  return carriedEvent.getStore();
}

/** Starts marking the events sagas take; call the returned function to stop. */
export function watchSagaIntake(): () => void {
  intakeWatchers++;
  let watching = true;
  return () => {
    if (watching) intakeWatchers--;
    watching = false;
  };
}

/** Whether a saga's first operator let `event` through (only while intake is watched). */
export function wasTakenBySaga(event: unknown): boolean {
  return event !== null && typeof event === 'object' && takenBySaga.has(event);
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
  constructor(
    subscribe: (subscriber: Subscriber<T>) => TeardownLogic,
    /** The stream handed to the saga, before any operator. */
    private readonly isInput = false,
  ) {
    super(subscribe);
  }

  override lift<R>(operator?: Operator<T, R>): Observable<R> {
    const stage = super.lift(operator);
    const firstStage = this.isInput;
    return new SagaEventStream<R>((subscriber) =>
      stage.subscribe({
        next: (value) => {
          if (firstStage && intakeWatchers > 0 && value !== null && typeof value === 'object') {
            takenBySaga.add(value);
          }
          emitInFlow(value, subscriber);
        },
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
