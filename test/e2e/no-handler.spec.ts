import { CommandBus, CommandHandlerNotFoundException, CqrsModule, QueryBus } from '@nestjs/cqrs';
import { Test } from '@nestjs/testing';
import { BaseCommand, BaseQuery, trackFlow } from '../../lib';
import { ORDER_HANDLERS, PlaceOrderCommand } from '../fixtures/orders.fixture';
import { AllSinks } from './all-sinks.harness';

/** Whether `call` throws synchronously or rejects, and with what class. */
async function failureShape(call: () => unknown): Promise<{ how: string; type: unknown }> {
  let result: unknown;
  try {
    result = call();
  } catch (error) {
    return { how: 'throws', type: (error as object).constructor };
  }
  try {
    await result;
    return { how: 'resolves', type: undefined };
  } catch (error) {
    return { how: 'rejects', type: (error as object).constructor };
  }
}

class ForgottenCommand extends BaseCommand<void> {}
class ForgottenQuery extends BaseQuery<number> {}

/**
 * A command or query no handler is registered for is a wiring fault, not a handler failing:
 * it ends with outcome `unhandled` on the span, the metrics and the log line, while the caller
 * gets @nestjs/cqrs's own exception exactly as without the module.
 */
describe('a command or query without a handler', () => {
  const sinks = new AllSinks();

  beforeAll(async () => {
    await sinks.start(ORDER_HANDLERS);
  });

  afterAll(async () => {
    await sinks.stop();
  });

  it('reaches the caller as @nestjs/cqrs gives it: the same exception, thrown or rejected alike', async () => {
    const bare = await Test.createTestingModule({ imports: [CqrsModule.forRoot()] }).compile();
    await bare.init();
    try {
      for (const [bus, message] of [
        [CommandBus, () => new ForgottenCommand()],
        [QueryBus, () => new ForgottenQuery()],
      ] as const) {
        const upstream = await failureShape(() => bare.get(bus).execute(message() as never));
        const instrumented = await failureShape(() =>
          sinks.app!.get(bus).execute(message() as never),
        );
        expect(instrumented).toEqual(upstream);
      }
    } finally {
      await bare.close();
    }
    expect(
      await failureShape(() => sinks.app!.get(CommandBus).execute(new ForgottenCommand())),
    ).toEqual({
      how: 'throws',
      type: CommandHandlerNotFoundException,
    });
  });

  it('is outcome "unhandled" on its span, its metric series and its log line', async () => {
    const app = sinks.app!;
    const command = new ForgottenCommand();
    try {
      void app.get(CommandBus).execute(command);
    } catch {
      // As asserted above.
    }
    await app.get(CommandBus).execute(new PlaceOrderCommand({ sku: 'N-1', quantity: 1 }));
    await sinks.settle();
    console.log(
      (await sinks.metricsText())
        .split('\n')
        .filter((l) => l.includes('Forgotten'))
        .join('\n'),
    );

    const span = sinks.spans().find((s) => s.name === 'cqrs.ForgottenCommand');
    expect(span?.attributes['cqrs.outcome']).toBe('unhandled');
    const handled = sinks.spans().find((s) => s.name === 'cqrs.PlaceOrderCommand');
    expect(handled?.attributes['cqrs.outcome']).toBe('success');

    const metrics = await sinks.metricsText();
    expect(metrics).toMatch(
      /cqrs_message_total\{kind="command",message_type="ForgottenCommand",outcome="unhandled"\} [1-9]\d*$/m,
    );
    // Its error series stays at zero: a missing handler is not counted as a handler error.
    expect(metrics).toMatch(
      /cqrs_message_total\{kind="command",message_type="ForgottenCommand",outcome="error"\} 0$/m,
    );

    const line = sinks.logs.lines.find(
      (l) => l.message_type === 'ForgottenCommand' && l.message_id === command.requestId,
    );
    expect(line).toMatchObject({
      outcome: 'unhandled',
      err: { type: 'CommandHandlerNotFoundException' },
    });
  });

  it('is an operation of its own outcome in a tracked flow', async () => {
    const app = sinks.app!;
    const flow = await trackFlow(app, async () => {
      try {
        await app.get(QueryBus).execute(new ForgottenQuery());
      } catch {
        // The caller's own handling.
      }
    });
    expect(flow.operations.map((op) => [op.operation, op.outcome])).toEqual([
      ['query.execute.ForgottenQuery', 'unhandled'],
    ]);
    expect(flow.errors).toHaveLength(1);
  });
});
