import { createHash } from 'node:crypto';
import { CommandBus, CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { BaseCommand } from '../../lib';
import { AllSinks } from './all-sinks.harness';

const sha256 = (text: string): string =>
  `sha256:${createHash('sha256').update(text).digest('hex')}`;

/** The values the handler throws, by case name: each a way real code fails. */
const THROWN = new Map<string, unknown>();
let toJsonCalls = 0;

class FailCommand extends BaseCommand<string> {
  declare readonly failure: string;
  declare readonly note?: string;
}

@CommandHandler(FailCommand)
class FailHandler implements ICommandHandler<FailCommand> {
  async execute(command: FailCommand): Promise<string> {
    if (!THROWN.has(command.failure)) return 'ok';
    throw THROWN.get(command.failure);
  }
}

const SECRET = 'plntS3cr3tValue';
const BEARER = 'Bearer plntBearerToken123';
const EMAIL = 'plnt.person@plnt-mail.example.com';
const CARD = '4242 4242 4242 4242';
const STRIPE = 'sk_live_plntAbCdEf0123456789';

function cyclicChain(): Error {
  const root = new Error(`outer failure for ${EMAIL}`);
  const middle = Object.assign(new Error(`middle with ${STRIPE}`), { password: SECRET });
  root.cause = middle;
  middle.cause = root;
  return root;
}

THROWN.set(
  'error-with-fields',
  Object.assign(new Error(`card ${CARD} declined for ${EMAIL}`), {
    config: { headers: { Authorization: BEARER } },
    response: { data: { echoed: SECRET } },
  }),
);
THROWN.set('plain-object', {
  message: `card declined (${STRIPE})`,
  authorization: BEARER,
  card: { cvv: SECRET },
});
THROWN.set('plain-object-without-message', { code: 'E_AUTH', token: SECRET, detail: EMAIL });
THROWN.set('string', `lookup failed: ${BEARER}`);
THROWN.set('to-json', {
  message: 'declined',
  toJSON() {
    toJsonCalls++;
    return { secret: SECRET };
  },
});
THROWN.set('cyclic-cause', cyclicChain());
THROWN.set(
  'aggregate',
  new AggregateError(
    [new TypeError(`bad ${EMAIL}`), { apiKey: SECRET }, `charge ${CARD}`],
    `two of three failed: ${STRIPE}`,
  ),
);

const PLANTED = /plnt|4242\s?4242/i;

describe('one policy in front of every sink', () => {
  const sinks = new AllSinks();

  beforeAll(() => sinks.start([FailHandler]));
  afterAll(() => sinks.stop());

  describe('whatever a handler throws', () => {
    it.each([...THROWN.keys()])(
      '%s: the caller gets the very same value, Sentry only what the policy lets out',
      async (failure) => {
        sinks.transport.clear();
        sinks.logs.clear();
        const thrown = THROWN.get(failure);
        await expect(sinks.app!.get(CommandBus).execute(new FailCommand({ failure }))).rejects.toBe(
          thrown,
        );
        await sinks.settle();

        const events = sinks.transport.events();
        // Guards: one event, one error log line, both about this failure.
        expect(events).toHaveLength(1);
        expect(events[0]!.exception.values.length).toBeGreaterThan(0);
        const errorLines = sinks.logs.where({ message_type: 'FailCommand', outcome: 'error' });
        expect(errorLines).toHaveLength(1);
        expect(typeof errorLines[0]!.err.message).toBe('string');

        const envelopes = sinks.sentryTexts().join('\n');
        expect(envelopes).not.toContain('__serialized__');
        expect(envelopes).not.toMatch(PLANTED);
        expect(sinks.logTexts().join('\n')).not.toMatch(PLANTED);
        const span = sinks
          .spans()
          .filter((s) => s.name === 'cqrs.FailCommand')
          .at(-1)!;
        expect(span.status.code).toBe(2);
        expect(JSON.stringify([span.status, span.events])).not.toMatch(PLANTED);
        expect(toJsonCalls).toBe(0);
      },
    );

    it('keeps what helps: the type, the scrubbed message, the redacted cause chain', async () => {
      sinks.transport.clear();
      // A new error: the one of the case above was captured already and is never sent twice.
      THROWN.set('cyclic-cause-again', cyclicChain());
      await expect(
        sinks.app!.get(CommandBus).execute(new FailCommand({ failure: 'cyclic-cause-again' })),
      ).rejects.toBe(THROWN.get('cyclic-cause-again'));
      await sinks.settle();
      const [event] = sinks.transport.events();
      const values = event!.exception.values as Array<{ type: string; value: string }>;
      // Linked errors: the cause first, then the error itself; the cycle is cut.
      expect(values.map((value) => [value.type, value.value])).toEqual([
        ['Error', 'middle with ***'],
        ['Error', 'outer failure for ***'],
      ]);
    });
  });

  describe('requestedBy, a personal field', () => {
    it('is hashed in the span, the log line and the Sentry event alike', async () => {
      sinks.transport.clear();
      sinks.logs.clear();
      const requestedBy = 'user-42@corp';
      await expect(
        sinks.app!.get(CommandBus).execute(new FailCommand({ failure: 'string', requestedBy })),
      ).rejects.toBe(THROWN.get('string'));
      await sinks.settle();
      const hashed = sha256(requestedBy);

      const span = sinks
        .spans()
        .filter((s) => s.name === 'cqrs.FailCommand')
        .at(-1)!;
      expect(span.attributes['cqrs.requested_by']).toBe(hashed);
      const payloadEvent = span.events.find((e) => e.name === 'cqrs.command_payload')!;
      expect(JSON.parse(String(payloadEvent.attributes!.payload))).toMatchObject({
        requestedBy: hashed,
      });
      const [line] = sinks.logs.where({ message_type: 'FailCommand', outcome: 'error' });
      expect(line!.payload).toMatchObject({ requestedBy: hashed });
      const [event] = sinks.transport.events();
      expect(event!.contexts.cqrs.payload).toMatchObject({ requestedBy: hashed });

      for (const text of [...sinks.spanTexts(), ...sinks.logTexts(), ...sinks.sentryTexts()]) {
        expect(text).not.toContain(requestedBy);
      }
    });
  });
});
