import {
  CommandBus,
  CommandHandler,
  EventBus,
  EventsHandler,
  type ICommandHandler,
  type IEventHandler,
  type IQueryHandler,
  QueryBus,
  QueryHandler,
} from '@nestjs/cqrs';
import { AllSinks } from './all-sinks.harness';
import { capturedByDefault, CorpusGenerator, forbiddenReads, Random } from './hostile-corpus';

/**
 * The redaction promise, audited end to end: a seeded corpus of hostile payloads and thrown
 * values dispatched with every signal on, against the real OpenTelemetry SDK, pino, the Sentry
 * SDK and prom-client. Every planted secret contains `plnt` (card numbers are tracked apart), so
 * a sink leaks exactly when its text holds one.
 */
const SEED = 0x5eed_0009;
const CORPUS_SIZE = 2400;
// Sentry's transport buffers 64 requests; settling this often keeps every event.
const SETTLE_EVERY = 30;

/** What a handler does with a message, kept beside it (never on it, so not in its payload). */
const plans = new WeakMap<object, { result: unknown } | { thrown: unknown }>();

function copyFields(target: object, fields: object): void {
  // Descriptors, not values: getters stay getters and symbol keys come along.
  Object.defineProperties(target, Object.getOwnPropertyDescriptors(fields));
}

class HostileCommand {
  constructor(fields: object) {
    copyFields(this, fields);
  }
}
class HostileQuery {
  constructor(fields: object) {
    copyFields(this, fields);
  }
}
class HostileEvent {
  constructor(fields: object) {
    copyFields(this, fields);
  }
}

function run(message: object): unknown {
  const plan = plans.get(message)!;
  if ('thrown' in plan) throw plan.thrown;
  return plan.result;
}

@CommandHandler(HostileCommand)
class HostileCommandHandler implements ICommandHandler<HostileCommand> {
  async execute(command: HostileCommand): Promise<unknown> {
    return run(command);
  }
}

@QueryHandler(HostileQuery)
class HostileQueryHandler implements IQueryHandler<HostileQuery> {
  execute(query: HostileQuery): Promise<unknown> {
    // Synchronously thrown or rejected, both ways a handler fails.
    return Promise.resolve().then(() => run(query));
  }
}

@EventsHandler(HostileEvent)
class HostileEventHandler implements IEventHandler<HostileEvent> {
  async handle(event: HostileEvent): Promise<void> {
    run(event);
  }
}

const CARD_RUN = /\d(?:[ -]?\d){12,18}/g;

/** Planted secrets found in `texts`: `plnt` anywhere, or a planted card number. */
function occurrences(texts: string[], cards: Set<string>): number {
  let found = 0;
  for (const text of texts) {
    found += text.match(/plnt/gi)?.length ?? 0;
    for (const run of text.match(CARD_RUN) ?? []) {
      const digits = run.replace(/[ -]/g, '');
      for (const card of cards) if (digits.includes(card)) found++;
    }
  }
  return found;
}

describe('redaction corpus: nothing planted leaves through any sink', () => {
  const sinks = new AllSinks();
  const corpus = new CorpusGenerator(SEED);
  const random = new Random(SEED ^ 0xffff);
  const mismatches: string[] = [];
  let failures = 0;
  let expectedSentryEvents = 0;
  let eventsPublished = 0;

  beforeAll(async () => {
    await sinks.start([HostileCommandHandler, HostileQueryHandler, HostileEventHandler]);
    const commandBus = sinks.app!.get(CommandBus);
    const queryBus = sinks.app!.get(QueryBus);
    const eventBus = sinks.app!.get(EventBus);

    for (let i = 0; i < CORPUS_SIZE; i++) {
      const fields = corpus.messageFields();
      const fails = random.chance(0.45);
      const thrown = fails ? corpus.thrown() : undefined;
      const result = { dispatch: i };
      const plan = fails ? { thrown } : { result };
      const roll = random.next();
      if (fails) {
        failures++;
        if (capturedByDefault(thrown)) expectedSentryEvents++;
      }

      if (roll < 0.12) {
        const event = new HostileEvent(fields);
        plans.set(event, plan);
        eventsPublished++;
        eventBus.publish(event);
      } else {
        const message = roll < 0.3 ? new HostileQuery(fields) : new HostileCommand(fields);
        plans.set(message, plan);
        try {
          const returned =
            message instanceof HostileQuery
              ? await queryBus.execute(message)
              : await commandBus.execute(message);
          if (fails || returned !== result) mismatches.push(`#${i}: result changed`);
        } catch (error) {
          if (!fails || !Object.is(error, thrown)) mismatches.push(`#${i}: error changed`);
        }
      }
      if (i % SETTLE_EVERY === SETTLE_EVERY - 1) await sinks.settle();
    }
    await sinks.settle();
  }, 60_000);

  afterAll(() => sinks.stop());

  it('hands every dispatch its own result or error back, unchanged', () => {
    expect(failures).toBeGreaterThan(CORPUS_SIZE / 3);
    expect(mismatches).toEqual([]);
  });

  it('finds no planted secret in spans', () => {
    const texts = sinks.spanTexts();
    // Guard: a span per dispatch at least, with payload events, and visible fields made it.
    expect(texts.length).toBeGreaterThanOrEqual(CORPUS_SIZE);
    const all = texts.join('\n');
    expect(all).toContain('cqrs.command_payload');
    // Visible markers are `v` and 8 characters of the generator's safe alphabet.
    const written = new Set(all.match(/v[a-km-oq-su-z0-9]{8}/g) ?? []);
    const visible = [...corpus.visibleMarkers].filter((marker) => written.has(marker));
    expect(visible.length).toBeGreaterThan(corpus.visibleMarkers.size / 4);
    report('spans', texts.length, occurrences(texts, corpus.cards));
    expect(occurrences(texts, corpus.cards)).toBe(0);
  });

  it('finds no planted secret in log lines', () => {
    const texts = sinks.logTexts();
    expect(texts.length).toBeGreaterThanOrEqual(CORPUS_SIZE);
    expect(sinks.logs.lines.filter((line) => line.err !== undefined).length).toBeGreaterThan(
      failures / 2,
    );
    report('log lines', texts.length, occurrences(texts, corpus.cards));
    expect(occurrences(texts, corpus.cards)).toBe(0);
  });

  it('finds no planted secret in Sentry envelopes, and every failure was sent', () => {
    const texts = sinks.sentryTexts();
    expect(sinks.transport.events()).toHaveLength(expectedSentryEvents);
    expect(texts.join('\n')).not.toContain('__serialized__');
    report('Sentry events', sinks.transport.events().length, occurrences(texts, corpus.cards));
    expect(occurrences(texts, corpus.cards)).toBe(0);
  });

  it('finds no planted secret in /metrics', async () => {
    const text = await sinks.metricsText();
    expect(text).toContain('cqrs_message_total{kind="command",message_type="HostileCommand"');
    expect(text).toContain('event_type="HostileEvent",handler="HostileEventHandler"');
    report('/metrics', text.split('\n').length, occurrences([text], corpus.cards));
    expect(occurrences([text], corpus.cards)).toBe(0);
  });

  it('never ran a toJSON or a getter under a sensitive key', () => {
    expect(eventsPublished).toBeGreaterThan(0);
    expect(corpus.cards.size).toBeGreaterThan(100);
    expect(forbiddenReads).toEqual({ toJson: 0, sensitiveGetter: 0, prototypeGetter: 0 });
  });
});

/** One line per sink, for the record: what was inspected and what was found. */
function report(sink: string, inspected: number, found: number): void {
  process.stdout.write(`corpus ${CORPUS_SIZE}: ${sink}: ${inspected} inspected, ${found} found\n`);
}
