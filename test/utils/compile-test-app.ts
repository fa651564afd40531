import { CqrsModule } from '@nestjs/cqrs';
import { Test, TestingModule } from '@nestjs/testing';
import { CqrsObservabilityModule } from '../../lib';
import { ORDER_HANDLERS } from '../fixtures/orders.fixture';
import type { TestAppOptions } from './create-app';

/**
 * The application of `createTestApp()`, compiled but not initialised: a test can look at the
 * buses, handlers and sagas as upstream built them, then call `init()` itself.
 */
export async function compileTestApp(options: TestAppOptions = {}): Promise<TestingModule> {
  const observability =
    options.observabilityModule ??
    (options.observability === false
      ? undefined
      : options.observability === undefined
        ? CqrsObservabilityModule.forRoot()
        : CqrsObservabilityModule.forRoot(options.observability));
  return Test.createTestingModule({
    imports: [
      CqrsModule.forRoot(),
      ...(observability ? [observability] : []),
      ...(options.imports ?? []),
    ],
    providers: [...ORDER_HANDLERS, ...(options.providers ?? [])],
  }).compile();
}
