import 'reflect-metadata';
import { Injectable, Logger, type DynamicModule, type Provider } from '@nestjs/common';
import { CommandBus, CommandHandler, CqrsModule, ICommandHandler } from '@nestjs/cqrs';
import { Test } from '@nestjs/testing';
import { CqrsObservabilityModule, CqrsObservabilityModuleOptions, HookRegistry } from '../lib';
import type { Variant } from './harness';

/** The benchmark's command: a few fields, like a real one, one of them personal data. */
export class PlaceOrder {
  constructor(
    readonly orderId: string,
    readonly sku: string,
    readonly quantity: number,
    readonly email: string,
  ) {}
}

export const RESULT = { accepted: true };

/** Extra work a handler does inline in the hand-written variants; nothing by default. */
@Injectable()
export class InlineSignals {
  run: (command: PlaceOrder, handler: () => Promise<unknown>) => Promise<unknown> = (_c, handler) =>
    handler();
}

@CommandHandler(PlaceOrder)
export class PlaceOrderHandler implements ICommandHandler<PlaceOrder> {
  constructor(private readonly inline: InlineSignals) {}
  execute(command: PlaceOrder): Promise<unknown> {
    return this.inline.run(command, async () => RESULT);
  }
}

export interface AppSpec {
  name: string;
  observability?: CqrsObservabilityModuleOptions;
  inline?: InlineSignals['run'];
  hook?: boolean;
  providers?: Provider[];
  imports?: DynamicModule[];
}

export async function createVariant(spec: AppSpec): Promise<Variant> {
  Logger.overrideLogger(false);
  const imports: DynamicModule[] = [CqrsModule.forRoot(), ...(spec.imports ?? [])];
  if (spec.observability) imports.push(CqrsObservabilityModule.forRoot(spec.observability));
  const moduleRef = await Test.createTestingModule({
    imports,
    providers: [InlineSignals, PlaceOrderHandler, ...(spec.providers ?? [])],
  }).compile();
  await moduleRef.init();
  if (spec.inline) moduleRef.get(InlineSignals).run = spec.inline;
  if (spec.hook) moduleRef.get(HookRegistry).register((_operation, _attributes, next) => next());
  const bus = moduleRef.get(CommandBus);
  const command = new PlaceOrder('order-1', 'SKU-1', 2, 'someone@example.com');
  return {
    name: spec.name,
    dispatch: () => bus.execute(command),
    close: () => moduleRef.close(),
  };
}

export const SIGNALS_OFF: CqrsObservabilityModuleOptions = {
  correlation: false,
  validation: false,
  tracing: false,
  metrics: false,
  logging: false,
  sentry: false,
};
