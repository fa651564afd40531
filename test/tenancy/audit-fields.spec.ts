import { CommandBus, CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { createHash } from 'node:crypto';
import {
  Audit,
  AUDIT_ATTRIBUTE_PREFIX,
  BaseCommand,
  Hash,
  SENTRY_AUDIT_CONTEXT_NAME,
} from '../../lib';
import { AllSinks } from '../e2e/all-sinks.harness';

const BEARER = 'Bearer abcdefghijklmnopqrstuvwxyz0123456789';

class TransferFundsCommand extends BaseCommand<
  void,
  {
    actorId: string;
    accountId: string;
    email: string;
    reason: string;
    target: { iban: string; password: string };
    amount: number;
    memo: string;
  }
> {
  @Audit('actor')
  declare readonly actorId: string;
  @Audit()
  @Hash()
  declare readonly accountId: string;
  @Audit()
  declare readonly email: string;
  @Audit()
  declare readonly reason: string;
  @Audit()
  declare readonly target: { iban: string; password: string };
  @Audit()
  declare readonly amount: number;
  // Not audited: never in the audit record.
  declare readonly memo: string;
}

@CommandHandler(TransferFundsCommand)
class TransferFundsHandler implements ICommandHandler<TransferFundsCommand> {
  async execute(command: TransferFundsCommand): Promise<void> {
    if (command.amount > 1000) throw new Error('limit exceeded');
  }
}

const sha256 = (value: string) => `sha256:${createHash('sha256').update(value).digest('hex')}`;

describe('@Audit() fields on the span, the log line and the Sentry event', () => {
  const sinks = new AllSinks();
  let commandBus: CommandBus;

  beforeAll(async () => {
    const app = await sinks.start([TransferFundsHandler], { logging: { payload: false } });
    commandBus = app.get(CommandBus);
  });
  afterAll(() => sinks.stop());
  // Each test reads its own dispatch only, whatever ran before it.
  beforeEach(() => {
    sinks.resetSpans();
    sinks.logs.clear();
    sinks.transport.clear();
  });

  const command = (amount: number) =>
    new TransferFundsCommand({
      actorId: 'u-42',
      accountId: 'acc-9',
      email: 'ada@example.com',
      reason: `refund, auth ${BEARER}`,
      target: { iban: 'DE89370400440532013000', password: 'hunter2' },
      amount,
      memo: 'between us',
    });

  const expected = {
    actor: 'u-42',
    accountId: sha256('acc-9'),
    email: '***',
    reason: 'refund, auth Bearer ***',
    amount: 5000,
  };

  it('answers who did what from each sink alone, redacted by the one policy', async () => {
    await expect(commandBus.execute(command(5000))).rejects.toThrow('limit exceeded');
    await sinks.settle();

    const span = sinks.spans().find((s) => s.name === 'cqrs.TransferFundsCommand')!;
    expect(span).toBeDefined();
    expect(span.attributes).toMatchObject({
      [`${AUDIT_ATTRIBUTE_PREFIX}actor`]: 'u-42',
      'audit.accountId': sha256('acc-9'),
      'audit.email': '***',
      'audit.reason': 'refund, auth Bearer ***',
      'audit.amount': 5000,
    });
    const target = JSON.parse(span.attributes['audit.target'] as string);
    expect(target.password).toBe('***');

    const line = sinks.logs.lines.find((l) => l.message_type === 'TransferFundsCommand')!;
    expect(line.outcome).toBe('error');
    expect(line.payload).toBeUndefined();
    expect(line.audit).toMatchObject(expected);
    expect(line.audit.target.password).toBe('***');
    expect(Object.keys(line.audit)).not.toContain('memo');

    const events = sinks.transport.events();
    expect(events).toHaveLength(1);
    expect(events[0]!.contexts[SENTRY_AUDIT_CONTEXT_NAME]).toMatchObject(expected);

    const everything = [...sinks.spanTexts(), ...sinks.logTexts(), ...sinks.sentryTexts()].join(
      '\n',
    );
    expect(everything).toContain('u-42');
    for (const secret of [
      'hunter2',
      'acc-9"',
      'ada@example.com',
      'abcdefghijklmnopqrstuvwxyz0123456789',
    ]) {
      expect(everything).not.toContain(secret);
    }
  });

  it('writes the audit record on success too (info line)', async () => {
    sinks.logs.clear();
    await commandBus.execute(command(10));
    const line = sinks.logs.lines.find((l) => l.message_type === 'TransferFundsCommand')!;
    expect(line.outcome).toBe('success');
    expect(line.audit).toMatchObject({ ...expected, amount: 10 });
  });
});

describe('@Audit(name)', () => {
  it('refuses a name that is not 1 to 64 characters of [A-Za-z0-9_.-]', () => {
    expect(() => Audit('')).toThrow(TypeError);
    expect(() => Audit('who did it')).toThrow(/A-Za-z0-9_\.-/);
  });
});
