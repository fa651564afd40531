import 'reflect-metadata';
import {
  Inject,
  Injectable,
  Logger,
  type DynamicModule,
  type Provider,
  type Type,
} from '@nestjs/common';
import { CommandBus, CommandHandler, CqrsModule, type ICommandHandler } from '@nestjs/cqrs';
import { Test, type TestingModule } from '@nestjs/testing';
import {
  BaseCommand,
  CqrsObservabilityModule,
  CqrsObservabilityModuleOptions,
  HookRegistry,
} from '../lib';
import type { Variant } from './harness';

/** The fields every benchmark command carries: a few, like a real one, one of them personal data. */
export interface OrderFields {
  readonly orderId: string;
  readonly sku: string;
  readonly quantity: number;
  readonly email: string;
}

const ORDER: OrderFields = {
  orderId: 'order-1',
  sku: 'SKU-1',
  quantity: 2,
  email: 'someone@example.com',
};

export type OrderCommand = OrderFields;
type OrderCommandClass = new (props: OrderFields) => OrderCommand;

/** Eight command names, as in a real app: the call sites and the per-type series rotate. */
export const COMMAND_NAMES = [
  'PlaceOrder',
  'CancelOrder',
  'ShipOrder',
  'RefundOrder',
  'ReserveStock',
  'ReleaseStock',
  'ChargeCard',
  'SendReceipt',
] as const;

/**
 * The app's commands are `BaseCommand` subclasses, as the README writes them, with or without
 * the module (`BENCH_MESSAGES=plain`: classes that only copy their fields, to see the bus alone).
 */
export const MESSAGES = process.env.BENCH_MESSAGES === 'plain' ? 'plain' : 'BaseCommand';

function commandClass(name: string): OrderCommandClass {
  // A computed key gives the class its name, which the signals label by.
  if (MESSAGES === 'BaseCommand') {
    return { [name]: class extends BaseCommand<unknown, OrderFields> {} }[name]!;
  }
  const holder = {
    [name]: class {
      readonly orderId: string;
      readonly sku: string;
      readonly quantity: number;
      readonly email: string;
      constructor(props: OrderFields) {
        this.orderId = props.orderId;
        this.sku = props.sku;
        this.quantity = props.quantity;
        this.email = props.email;
      }
    },
  };
  return holder[name]!;
}

export const COMMAND_CLASSES: readonly OrderCommandClass[] = COMMAND_NAMES.map(commandClass);
// A class's first instances go through the class-field guard's Proxy: not the steady state.
for (const Command of COMMAND_CLASSES) for (let k = 0; k < 3; k++) new Command(ORDER);

export const RESULT = { accepted: true };

/** Extra work a handler does inline in the hand-written variants; nothing by default. */
@Injectable()
export class InlineSignals {
  run: (command: OrderCommand, handler: string, body: () => Promise<unknown>) => Promise<unknown> =
    (_command, _handler, body) => body();
  /** Whether the nesting handler runs its dispatch inside `run` too: an app that has `run`. */
  nesting = false;
}

function handlerClass(command: OrderCommandClass): Type<ICommandHandler> {
  const name = `${command.name}Handler`;
  const holder = {
    [name]: class implements ICommandHandler<OrderCommand> {
      constructor(readonly inline: InlineSignals) {}
      execute(message: OrderCommand): Promise<unknown> {
        return this.inline.run(message, name, async () => RESULT);
      }
    },
  };
  const handler = holder[name]!;
  Inject(InlineSignals)(handler, undefined, 0);
  CommandHandler(command)(handler);
  return handler;
}

const HANDLERS = COMMAND_CLASSES.map(handlerClass);

/** A command whose handler dispatches the next one synchronously, until the stack runs out. */
export class Nest {
  constructor(
    readonly depth: number,
    readonly limit: number,
  ) {}
}

export const deepest = { depth: 0 };

@CommandHandler(Nest)
export class NestHandler implements ICommandHandler<Nest> {
  constructor(
    @Inject(CommandBus) private readonly bus: CommandBus,
    @Inject(InlineSignals) private readonly inline: InlineSignals,
  ) {}
  execute(command: Nest): Promise<unknown> {
    if (command.depth > deepest.depth) deepest.depth = command.depth;
    if (command.depth >= command.limit) return Promise.resolve(command.depth);
    // The hand-written signals around this dispatch too; the other apps nest without a closure.
    if (this.inline.nesting) {
      return this.inline.run(command as unknown as OrderCommand, 'NestHandler', () =>
        this.bus.execute(new Nest(command.depth + 1, command.limit)),
      );
    }
    return this.bus.execute(new Nest(command.depth + 1, command.limit));
  }
}

export interface AppSpec {
  name: string;
  observability?: CqrsObservabilityModuleOptions;
  inline?: InlineSignals['run'];
  hook?: boolean;
  /** Runs once after init, before measuring: what the app did earlier in its life. */
  before?: (app: TestingModule) => Promise<void>;
  providers?: Provider[];
  imports?: DynamicModule[];
}

export interface BenchApp extends Variant {
  readonly bus: CommandBus;
}

/**
 * One app: the bus with eight command handlers (and the nesting one), with or without the
 * module. Each dispatch constructs its command, as an app does, rotating over the classes.
 */
export async function createVariant(spec: AppSpec): Promise<BenchApp> {
  Logger.overrideLogger(false);
  const imports: DynamicModule[] = [CqrsModule.forRoot(), ...(spec.imports ?? [])];
  if (spec.observability) imports.push(CqrsObservabilityModule.forRoot(spec.observability));
  const moduleRef = await Test.createTestingModule({
    imports,
    providers: [InlineSignals, ...HANDLERS, NestHandler, ...(spec.providers ?? [])],
  }).compile();
  await moduleRef.init();
  if (spec.inline) {
    const signals = moduleRef.get(InlineSignals);
    signals.run = spec.inline;
    signals.nesting = true;
  }
  if (spec.hook) moduleRef.get(HookRegistry).register((_operation, _attributes, next) => next());
  await spec.before?.(moduleRef);
  const bus = moduleRef.get(CommandBus);
  let i = 0;
  return {
    name: spec.name,
    bus,
    dispatch: () => {
      const Command = COMMAND_CLASSES[i++ & 7]!;
      return bus.execute(
        new Command({
          orderId: 'order-1',
          sku: 'SKU-1',
          quantity: 2,
          email: 'someone@example.com',
        }),
      );
    },
    close: () => moduleRef.close(),
  };
}

export const SIGNALS_OFF: CqrsObservabilityModuleOptions = {
  correlation: false,
  validation: false,
  tracing: false,
  metrics: false,
  otelMetrics: false,
  logging: false,
  sentry: false,
};
