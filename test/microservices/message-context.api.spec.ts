import { context, trace } from '@opentelemetry/api';
import {
  getCausationId,
  getCorrelationId,
  getTenantId,
  injectMessageContext,
  MessageHeaders,
  messageEnvelope,
  runWithContext,
  runWithMessageContext,
  ENVELOPE_HEADERS_KEY,
} from '../../lib';
import { startTracingSdk, type TracingSdk } from '../tracing/tracing-sdk';

describe('injectMessageContext / runWithMessageContext', () => {
  let sdk: TracingSdk;
  beforeAll(() => {
    sdk = startTracingSdk();
  });
  afterAll(async () => {
    await sdk.shutdown();
  });

  it("carries the flow's tenant in x-tenant-id; a hostile one is dropped", () => {
    const headers = runWithContext({ correlationId: 'flow-t', tenantId: 'acme' }, () =>
      injectMessageContext(),
    );
    expect(headers[MessageHeaders.TENANT_ID]).toBe('acme');
    expect(runWithMessageContext(headers, () => getTenantId())).toBe('acme');
    expect(
      runWithMessageContext({ ...headers, [MessageHeaders.TENANT_ID]: 'acme\nx' }, () =>
        getTenantId(),
      ),
    ).toBeUndefined();
    // Without a tenant in the flow, no header at all.
    const plain = runWithContext({ correlationId: 'flow-u' }, () => injectMessageContext());
    expect(plain[MessageHeaders.CORRELATION_ID]).toBe('flow-u');
    expect(Object.keys(plain)).not.toContain(MessageHeaders.TENANT_ID);
  });

  it('writes the flow into a carrier and restores it on the other side', () => {
    const tracer = trace.getTracer('test');
    const span = tracer.startSpan('job.enqueue');
    const headers = runWithContext({ correlationId: 'flow-1', causationId: 'cmd-1' }, () =>
      context.with(trace.setSpan(context.active(), span), () => injectMessageContext()),
    );
    span.end();
    expect(headers).toMatchObject({
      [MessageHeaders.CORRELATION_ID]: 'flow-1',
      [MessageHeaders.CAUSATION_ID]: 'cmd-1',
      [MessageHeaders.TRACEPARENT]: `00-${span.spanContext().traceId}-${span.spanContext().spanId}-01`,
    });
    expect(headers[MessageHeaders.MESSAGE_ID]).toMatch(/^[0-9a-f-]{36}$/);
    expect(Number(headers[MessageHeaders.SENT_AT])).toBeGreaterThan(Date.now() - 10_000);

    const seen = runWithMessageContext(headers, () => ({
      correlationId: getCorrelationId(),
      causationId: getCausationId(),
      parent: trace.getSpanContext(context.active()),
    }));
    expect(seen.correlationId).toBe('flow-1');
    expect(seen.causationId).toBe('cmd-1');
    expect(seen.parent?.spanId).toBe(span.spanContext().spanId);
    expect(seen.parent?.isRemote).toBe(true);
    // The caller's context is not touched.
    expect(getCorrelationId()).toBeUndefined();
  });

  it('accepts header names in any case and a getter function', () => {
    const upper = runWithMessageContext({ 'X-Correlation-Id': 'flow-2' }, getCorrelationId);
    expect(upper).toBe('flow-2');
    const viaGetter = runWithMessageContext(
      (name) => (name === MessageHeaders.CORRELATION_ID ? ['flow-3'] : undefined),
      getCorrelationId,
    );
    expect(viaGetter).toBe('flow-3');
  });

  it.each([
    ['a hostile id', { [MessageHeaders.CORRELATION_ID]: '<img src=x onerror=alert(1)>' }],
    ['an oversized id', { [MessageHeaders.CORRELATION_ID]: 'a'.repeat(129) }],
    ['a number', { [MessageHeaders.CORRELATION_ID]: 42 }],
    ['an object', { [MessageHeaders.CORRELATION_ID]: { toString: () => 'flow' } }],
    ['no headers', {}],
    ['null', null],
  ])('drops %s: a new correlation id and a new trace', (_label, carrier) => {
    const seen = runWithMessageContext(
      { ...(carrier ?? {}), [MessageHeaders.TRACEPARENT]: '00-abc-def-01' } as Record<
        string,
        unknown
      >,
      () => ({ correlationId: getCorrelationId(), parent: trace.getSpanContext(context.active()) }),
    );
    expect(seen.correlationId).toMatch(/^[0-9a-f-]{36}$/);
    expect(seen.parent).toBeUndefined();
  });

  it('returns what fn returns and lets its error through', async () => {
    await expect(runWithMessageContext({}, async () => 7)).resolves.toBe(7);
    const failure = new Error('job failed');
    expect(() =>
      runWithMessageContext({}, () => {
        throw failure;
      }),
    ).toThrow(failure);
  });

  it('rejects a carrier or fn of the wrong type with a clear error', () => {
    expect(() => injectMessageContext('headers' as never)).toThrow(
      'injectMessageContext(carrier): carrier must be an object',
    );
    expect(() => runWithMessageContext({}, 'fn' as never)).toThrow(
      'runWithMessageContext(carrier, fn): fn must be a function',
    );
  });

  it('builds the explicit envelope for transports without headers', () => {
    const envelope = runWithContext({ correlationId: 'flow-9' }, () =>
      messageEnvelope({ sku: 'E-1' }),
    );
    expect(envelope.data).toEqual({ sku: 'E-1' });
    expect(envelope[ENVELOPE_HEADERS_KEY][MessageHeaders.CORRELATION_ID]).toBe('flow-9');
  });
});
