import { CommandBus, EventBus } from '@nestjs/cqrs';
import type { TestingModule } from '@nestjs/testing';
import { Registry } from 'prom-client';
import { BaseEvent, OTHER_LABEL_VALUE } from '../../lib';
import {
  LABEL_CUT_MARKER,
  LabelPairLimiter,
  LabelValueLimiter,
  MAX_LABEL_VALUE_LENGTH,
} from '../../lib/shared/label-value-limiter';
import { MetricsInterceptor } from '../../lib/metrics/metrics.interceptor';
import { PlaceOrderCommand, PlaceOrderHandler, Recorder } from '../fixtures/orders.fixture';
import { createTestApp, flush } from '../utils/create-app';
import { METRICS_ONLY } from './metrics-app';
import { parseSamples, samplesOf, valueOf } from './prometheus-text';

/** A new event class per call, named like code generated at runtime would name it. */
function eventClass(name: string): new () => BaseEvent {
  return { [name]: class extends BaseEvent {} }[name]!;
}

class UnhandledCommand {}

function commandClass(name: string): new () => UnhandledCommand {
  return { [name]: class extends UnhandledCommand {} }[name]!;
}

describe('metrics label cardinality', () => {
  const MAX = 5;
  let registry: Registry;
  let app: TestingModule;

  beforeEach(async () => {
    registry = new Registry();
    // One handler: registered handlers take their label values (at 0) at bootstrap.
    app = await createTestApp({
      observability: { ...METRICS_ONLY, metrics: { registry, maxMessageTypes: MAX } },
      handlers: [Recorder, PlaceOrderHandler],
    });
  });

  afterEach(async () => {
    await app.close();
  });

  it('labels class names past maxMessageTypes as _other', async () => {
    const eventBus = app.get(EventBus);
    const published = 40;
    for (let i = 0; i < published; i++) eventBus.publish(new (eventClass(`GeneratedEvent${i}`))());
    await flush();

    const text = await registry.metrics();
    // PlaceOrderCommand took the first value at bootstrap.
    const named = MAX - 1;
    const totals = samplesOf(text, 'cqrs_message_total', { kind: 'event', outcome: 'success' });
    expect(totals.map((sample) => sample.labels.message_type)).toEqual([
      'GeneratedEvent0',
      'GeneratedEvent1',
      'GeneratedEvent2',
      'GeneratedEvent3',
      OTHER_LABEL_VALUE,
    ]);
    expect(
      valueOf(text, 'cqrs_message_total', {
        kind: 'event',
        message_type: OTHER_LABEL_VALUE,
        outcome: 'success',
      }),
    ).toBe(published - named);
    expect(
      samplesOf(text, 'cqrs_message_duration_seconds_count', {
        kind: 'event',
        outcome: 'success',
      }).map((sample) => sample.value),
    ).toEqual([1, 1, 1, 1, published - named]);
  });

  it('cuts long class names to the documented length, with a marker', async () => {
    const eventBus = app.get(EventBus);
    const longName = `Generated${'X'.repeat(2000)}Event`;
    eventBus.publish(new (eventClass(longName))());
    await flush();

    const text = await registry.metrics();
    const [sample] = samplesOf(text, 'cqrs_message_total', { kind: 'event' });
    expect(sample!.labels.message_type).toBe(
      longName.slice(0, MAX_LABEL_VALUE_LENGTH - LABEL_CUT_MARKER.length) + LABEL_CUT_MARKER,
    );
    expect(sample!.labels.message_type).toHaveLength(MAX_LABEL_VALUE_LENGTH);
    expect(text).not.toContain('X'.repeat(MAX_LABEL_VALUE_LENGTH));
  });

  it('shares one cap across kinds for the message_type dimension and keeps it after', async () => {
    const eventBus = app.get(EventBus);
    const commandBus = app.get(CommandBus);
    for (let i = 0; i < 3; i++) eventBus.publish(new (eventClass(`Early${i}`))());
    for (let i = 0; i < 10; i++) {
      const Command = commandClass(`GeneratedCommand${i}`);
      // No handler: @nestjs/cqrs throws synchronously, the metric counts it as unhandled.
      expect(() => commandBus.execute(new Command())).toThrow(`GeneratedCommand${i}`);
    }
    // A type seen before the cap was reached keeps its own series.
    eventBus.publish(new (eventClass('Early0'))());
    await flush();

    const text = await registry.metrics();
    const types = new Set(
      samplesOf(text, 'cqrs_message_total').map((sample) => sample.labels.message_type),
    );
    expect([...types].sort()).toEqual(
      [
        'PlaceOrderCommand',
        'Early0',
        'Early1',
        'Early2',
        'GeneratedCommand0',
        OTHER_LABEL_VALUE,
      ].sort(),
    );
    expect(
      valueOf(text, 'cqrs_message_total', {
        kind: 'event',
        message_type: 'Early0',
        outcome: 'success',
      }),
    ).toBe(2);
    expect(
      valueOf(text, 'cqrs_message_total', {
        kind: 'command',
        message_type: OTHER_LABEL_VALUE,
        outcome: 'unhandled',
      }),
    ).toBe(9);
  });

  it('keeps series and caches bounded under thousands of generated classes', async () => {
    const eventBus = app.get(EventBus);
    for (let i = 0; i < 5000; i++) eventBus.publish(new (eventClass(`Burst${i}`))());
    await flush();

    const text = await registry.metrics();
    // 5 named types + _other, both outcomes, each a count, a sum and 15 buckets.
    expect(samplesOf(text, 'cqrs_message_total')).toHaveLength((MAX + 1) * 2);
    expect(samplesOf(text, 'cqrs_message_duration_seconds_bucket')).toHaveLength(
      (MAX + 1) * 2 * 15,
    );
    expect(parseSamples(text).length).toBeLessThan(250);
    const recorder = (app.get(MetricsInterceptor) as unknown as { recorder: object }).recorder;
    const cached = (recorder as { byOperation: Map<string, unknown> }).byOperation;
    expect(cached.size).toBeLessThanOrEqual(2048);
  });

  it('never turns ids, correlation ids or users into labels', async () => {
    // Every kind of handler, so every label dimension is there to look at.
    await app.close();
    registry = new Registry();
    app = await createTestApp({
      observability: { ...METRICS_ONLY, metrics: { registry, maxMessageTypes: MAX } },
    });
    const command = new PlaceOrderCommand({
      sku: 'SKU-SECRET-1',
      quantity: 1,
      correlationId: 'corr-0123456789',
      requestedBy: 'user-alice@example.com',
    });
    await app.get(CommandBus).execute(command);
    for (let i = 0; i < 5; i++) await flush();

    const text = await registry.metrics();
    const recorder = app.get(Recorder);
    expect(recorder.calls).toContain('PlaceOrderHandler');
    for (const forbidden of [
      command.requestId,
      'corr-0123456789',
      'user-alice@example.com',
      'SKU-SECRET-1',
    ]) {
      expect(text).not.toContain(forbidden);
    }
    const labelKeys = new Set(parseSamples(text).flatMap((sample) => Object.keys(sample.labels)));
    expect([...labelKeys].sort()).toEqual(
      ['event_type', 'handler', 'kind', 'le', 'message_type', 'outcome', 'saga'].sort(),
    );
  });
});

describe('LabelValueLimiter', () => {
  it('passes the first values, then _other, and remembers what it passed', () => {
    const limiter = new LabelValueLimiter(2);
    expect(limiter.value('A')).toBe('A');
    expect(limiter.value('B')).toBe('B');
    expect(limiter.value('C')).toBe(OTHER_LABEL_VALUE);
    expect(limiter.value('A')).toBe('A');
    expect(limiter.value('D')).toBe(OTHER_LABEL_VALUE);
  });

  it('labels a missing or non-string name "unknown"', () => {
    const limiter = new LabelValueLimiter(10);
    expect(limiter.value(undefined)).toBe('unknown');
    expect(limiter.value('')).toBe('unknown');
    expect(limiter.value({ toString: () => 'user-1' })).toBe('unknown');
  });
});

describe('LabelPairLimiter', () => {
  it('caps (event_type, handler) pairs, not each dimension: at most max series', () => {
    const limiter = new LabelPairLimiter(3);
    const pairs = new Set<string>();
    for (let event = 0; event < 3; event++) {
      for (let handler = 0; handler < 3; handler++) {
        pairs.add(limiter.pair(`Event${event}`, `Handler${handler}`).join('/'));
      }
    }
    // 9 combinations of 3 event types and 3 handlers: 3 pairs pass, the rest share one series.
    expect([...pairs]).toEqual([
      'Event0/Handler0',
      'Event0/Handler1',
      'Event0/Handler2',
      `${OTHER_LABEL_VALUE}/${OTHER_LABEL_VALUE}`,
    ]);
    expect(limiter.pair('Event0', 'Handler1')).toEqual(['Event0', 'Handler1']);
  });

  it('cuts each value of a pair to the label length', () => {
    const [event] = new LabelPairLimiter(10).pair('E'.repeat(500), 'H');
    expect(event).toHaveLength(MAX_LABEL_VALUE_LENGTH);
    expect(event.endsWith(LABEL_CUT_MARKER)).toBe(true);
  });
});
