import type { DynamicModule, ModuleMetadata, Provider } from '@nestjs/common';
import { CqrsModule } from '@nestjs/cqrs';
import { Test, TestingModule } from '@nestjs/testing';
import { CqrsObservabilityModule, CqrsObservabilityModuleOptions } from '../../lib';
import { ORDER_HANDLERS } from '../fixtures/orders.fixture';

export interface TestAppOptions {
  /** Module options, or `false` for a bare @nestjs/cqrs app. */
  observability?: CqrsObservabilityModuleOptions | false;
  imports?: ModuleMetadata['imports'];
  providers?: Provider[];
  observabilityModule?: DynamicModule;
  /** The handlers to register. @default the orders fixture's */
  handlers?: Provider[];
}

/** A real Nest application context with CqrsModule and the orders fixture, initialised. */
export async function createTestApp(options: TestAppOptions = {}): Promise<TestingModule> {
  const observability =
    options.observabilityModule ??
    (options.observability === false
      ? undefined
      : options.observability === undefined
        ? CqrsObservabilityModule.forRoot()
        : CqrsObservabilityModule.forRoot(options.observability));
  const moduleRef = await Test.createTestingModule({
    imports: [
      CqrsModule.forRoot(),
      ...(observability ? [observability] : []),
      ...(options.imports ?? []),
    ],
    providers: [...(options.handlers ?? ORDER_HANDLERS), ...(options.providers ?? [])],
  }).compile();
  await moduleRef.init();
  return moduleRef;
}

/** Lets queued microtasks and immediate callbacks run. */
export function flush(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
