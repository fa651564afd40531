import {
  CommandBus,
  CommandHandler,
  EventBus,
  EventsHandler,
  type ICommandHandler,
  type IEventHandler,
} from '@nestjs/cqrs';
import type { TestingModule } from '@nestjs/testing';
import { ClsServiceManager } from 'nestjs-cls';
import { BaseCommand, BaseEvent, ObservabilityContext } from '../../lib';
import { createTestApp, flush } from '../utils/create-app';
import { spanNamed, startTracingSdk, type TracingSdk } from './tracing-sdk';

type Snapshot = Record<string, unknown>;

const seen: Record<string, Snapshot> = {};

class TenantNoted extends BaseEvent {}

class OpenAccountCommand extends BaseCommand<{ inside: Snapshot; ids: Snapshot }> {}

@CommandHandler(OpenAccountCommand)
class OpenAccountHandler implements ICommandHandler<OpenAccountCommand> {
  constructor(private readonly eventBus: EventBus) {}
  async execute(): Promise<{ inside: Snapshot; ids: Snapshot }> {
    ObservabilityContext.set({ tenant: 'acme', plan: 'gold' });
    this.eventBus.publish(new TenantNoted());
    const inside = ObservabilityContext.get();
    return {
      inside,
      ids: {
        traceId: ObservabilityContext.getTraceId(),
        spanId: ObservabilityContext.getSpanId(),
        correlationId: ObservabilityContext.getCorrelationId(),
      },
    };
  }
}

@EventsHandler(TenantNoted)
class TenantNotedHandler implements IEventHandler<TenantNoted> {
  handle(): void {
    seen.handlerBefore = ObservabilityContext.get();
    ObservabilityContext.set({ plan: 'changed-in-handler' });
    seen.handlerAfter = ObservabilityContext.get();
  }
}

let sdk: TracingSdk;
let app: TestingModule;

beforeAll(async () => {
  sdk = startTracingSdk();
  app = await createTestApp({
    observability: { metrics: false, logging: false, sentry: false },
    providers: [OpenAccountHandler, TenantNotedHandler],
  });
});

afterAll(async () => {
  await app.close();
  await sdk.shutdown();
});

describe('ObservabilityContext', () => {
  it('gives the ambient ids, the active span and the values set, inside a handler', async () => {
    const command = new OpenAccountCommand({ correlationId: 'flow-1' });
    const { inside, ids } = await app.get(CommandBus).execute(command);
    await flush();
    const span = spanNamed(sdk.exporter.getFinishedSpans(), 'cqrs.OpenAccountCommand');
    expect(inside).toEqual({
      tenant: 'acme',
      plan: 'gold',
      correlation_id: 'flow-1',
      trace_id: span.spanContext().traceId,
      span_id: span.spanContext().spanId,
    });
    expect(ids).toEqual({
      traceId: span.spanContext().traceId,
      spanId: span.spanContext().spanId,
      correlationId: 'flow-1',
    });
    // The event handler runs in a context nested in the command's: it sees what was set, its
    // causation id is the command, and what it sets does not leak back out.
    const handlerSpan = spanNamed(
      sdk.exporter.getFinishedSpans(),
      'event.handler.TenantNoted.TenantNotedHandler',
    );
    expect(seen.handlerBefore).toEqual({
      tenant: 'acme',
      plan: 'gold',
      correlation_id: 'flow-1',
      causation_id: command.requestId,
      trace_id: handlerSpan.spanContext().traceId,
      span_id: handlerSpan.spanContext().spanId,
    });
    expect(seen.handlerAfter).toMatchObject({ plan: 'changed-in-handler' });
    expect(inside.plan).toBe('gold');
  });

  it('returns a copy', () => {
    ClsServiceManager.getClsService().run(() => {
      ObservabilityContext.set({ tenant: 'a' });
      const copy = ObservabilityContext.get();
      copy.tenant = 'mutated';
      expect(ObservabilityContext.get().tenant).toBe('a');
    });
  });

  it('routes correlation_id and causation_id to the correlation context, validated', () => {
    ClsServiceManager.getClsService().run(() => {
      ObservabilityContext.set({ correlation_id: 'flow-2', causation_id: 'cause-2' });
      expect(ObservabilityContext.get()).toEqual({
        correlation_id: 'flow-2',
        causation_id: 'cause-2',
      });
      expect(ObservabilityContext.getCorrelationId()).toBe('flow-2');
      expect(() => ObservabilityContext.set({ correlation_id: 'bad id with spaces' })).toThrow(
        TypeError,
      );
    });
  });

  it('refuses to set trace_id or span_id, and non-objects', () => {
    expect(() => ObservabilityContext.set({ trace_id: 'x' })).toThrow(/trace_id/);
    expect(() => ObservabilityContext.set({ span_id: 'x' })).toThrow(/span_id/);
    expect(() => ObservabilityContext.set(null as never)).toThrow(TypeError);
  });

  it('has no trace or span id outside any span', () => {
    expect(ObservabilityContext.getTraceId()).toBeUndefined();
    expect(ObservabilityContext.getSpanId()).toBeUndefined();
    expect(ObservabilityContext.get()).not.toHaveProperty('trace_id');
  });
});
