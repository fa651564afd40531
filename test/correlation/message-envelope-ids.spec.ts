import { CommandBus, CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import type { TestingModule } from '@nestjs/testing';
import { BaseCommand, getCorrelationId } from '../../lib';
import { isValidId } from '../../lib/shared/id-format';
import { createTestApp } from '../utils/create-app';
import { OperationProbe } from '../utils/operation-probe';

/** A command whose class answers `correlationId` itself when none is given. */
class ShadowingCommand extends BaseCommand {}
Object.defineProperty(ShadowingCommand.prototype, 'correlationId', {
  get: () => 'not an id\n<script>',
});

class PlainFrozenCommand {
  constructor(
    readonly requestId: unknown,
    readonly correlationId: unknown,
  ) {}
}

class Ping extends BaseCommand {}

const seenCorrelations: Array<string | undefined> = [];

@CommandHandler(ShadowingCommand)
class ShadowingHandler implements ICommandHandler<ShadowingCommand> {
  execute(): Promise<string> {
    seenCorrelations.push(getCorrelationId());
    return Promise.resolve('shadowing');
  }
}

@CommandHandler(PlainFrozenCommand)
class PlainFrozenHandler implements ICommandHandler<PlainFrozenCommand> {
  execute(): Promise<string> {
    seenCorrelations.push(getCorrelationId());
    return Promise.resolve('plain');
  }
}

@CommandHandler(Ping)
class PingHandler implements ICommandHandler<Ping> {
  execute(): Promise<string> {
    seenCorrelations.push(getCorrelationId());
    return Promise.resolve('pong');
  }
}

describe('message ids at dispatch', () => {
  let app: TestingModule;
  let bus: CommandBus;
  let probe: OperationProbe;

  beforeAll(async () => {
    app = await createTestApp({
      handlers: [ShadowingHandler, PlainFrozenHandler, PingHandler],
      providers: [OperationProbe],
    });
    bus = app.get(CommandBus);
    probe = app.get(OperationProbe);
  });
  afterAll(() => app.close());
  beforeEach(() => {
    probe.seen.length = 0;
    seenCorrelations.length = 0;
  });

  it("takes a frozen base-class message's own ids as its constructor checked them", async () => {
    new Ping({});
    const command = new Ping({ requestId: 'req-1', correlationId: 'flow-1' });
    expect(Object.isFrozen(command)).toBe(true);

    await expect(bus.execute(command)).resolves.toBe('pong');

    const { attributes } = probe.named('command.')[0]!;
    expect(attributes).toMatchObject({ message_id: 'req-1', correlation_id: 'flow-1' });
    expect(seenCorrelations).toEqual(['flow-1']);
  });

  it("checks ids a class's own member answers, even on a frozen message", async () => {
    const commands = [0, 1, 2].map(() => Object.freeze(new ShadowingCommand({})));
    for (const command of commands) {
      expect(command.correlationId).toBe('not an id\n<script>');
      await expect(bus.execute(command)).resolves.toBe('shadowing');
    }

    const correlations = probe.named('command.').map((seen) => seen.attributes.correlation_id);
    expect(correlations).toHaveLength(3);
    for (const id of [...correlations, ...seenCorrelations]) {
      expect(isValidId(id)).toBe(true);
      expect(id).not.toContain('script');
    }
  });

  it('checks the ids of a frozen message of any other class', async () => {
    const command = Object.freeze(new PlainFrozenCommand('bad id\n', 'flow-2'));

    await expect(bus.execute(command)).resolves.toBe('plain');

    const { attributes } = probe.named('command.')[0]!;
    expect(attributes.correlation_id).toBe('flow-2');
    expect(isValidId(attributes.message_id)).toBe(true);
    expect(attributes.message_id).not.toBe('bad id\n');
  });
});
