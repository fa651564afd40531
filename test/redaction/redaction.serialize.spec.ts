import { RedactionPolicy, TRUNCATION_SUFFIX } from '../../lib/redaction';

describe('RedactionPolicy.serialize', () => {
  it('returns short payloads whole, with their size', () => {
    const policy = new RedactionPolicy();
    const result = policy.serialize({ orderId: 'o-1', password: 'p' });

    expect(result).toEqual({
      json: '{"orderId":"o-1","password":"***"}',
      size: 34,
      truncated: false,
    });
  });

  it('keeps a payload of exactly maxPayloadChars whole', () => {
    const policy = new RedactionPolicy({ maxPayloadChars: 40 });
    const payload = { text: 'x'.repeat(29) };

    expect(JSON.stringify(payload)).toHaveLength(40);
    expect(policy.serialize(payload)).toEqual({
      json: JSON.stringify(payload),
      size: 40,
      truncated: false,
    });
  });

  it('cuts longer output to maxPayloadChars characters and appends the suffix', () => {
    const policy = new RedactionPolicy({ maxPayloadChars: 40 });
    const payload = { text: 'x'.repeat(30) };
    const full = JSON.stringify(payload);

    const result = policy.serialize(payload);

    expect(full).toHaveLength(41);
    expect(result.truncated).toBe(true);
    expect(result.size).toBe(41);
    expect(result.json).toBe(full.slice(0, 40) + '...<truncated>');
    expect(result.json).toHaveLength(40 + TRUNCATION_SUFFIX.length);
    expect(TRUNCATION_SUFFIX).toBe('...<truncated>');
  });

  it('reports the size of the redacted JSON, not of the raw payload', () => {
    const policy = new RedactionPolicy();
    const result = policy.serialize({ password: 'a much longer secret than three stars' });

    expect(result.json).toBe('{"password":"***"}');
    expect(result.size).toBe(18);
  });

  it('cuts at the same place a full serialization would, whatever the shape', () => {
    const payload = {
      id: 'o-1',
      customer: { name: 'Ada "quoted" \n Lovelace', email: 'ada@example.com' },
      lines: Array.from({ length: 300 }, (_, index) => ({
        sku: `SKU-${index}`,
        tags: new Set(['a', 'b']),
        at: new Date(Date.UTC(2024, 0, 1, 0, 0, index)),
      })),
      note: 'é'.repeat(5000),
    };
    const unbounded = new RedactionPolicy({ maxPayloadChars: 10_000_000 }).serialize(payload);
    expect(unbounded.truncated).toBe(false);

    for (const max of [32, 100, 1000, 4096, 20_000, unbounded.size - 1]) {
      const result = new RedactionPolicy({ maxPayloadChars: max }).serialize(payload);
      expect(result.truncated).toBe(true);
      expect(result.json).toBe(unbounded.json.slice(0, max) + TRUNCATION_SUFFIX);
      expect(result.size).toBeGreaterThan(max);
    }
  });

  it('handles a 10 MB payload: returns, truncated, with the exact prefix', () => {
    const policy = new RedactionPolicy();
    const row = { id: 0, label: 'x'.repeat(90) };
    const payload = {
      rows: Array.from({ length: 100_000 }, (_, id) => ({ ...row, id })),
      blob: 'y'.repeat(10 * 1024 * 1024),
    };

    const result = policy.serialize(payload);

    expect(result.truncated).toBe(true);
    expect(result.json).toHaveLength(4096 + TRUNCATION_SUFFIX.length);
    expect(result.json.endsWith(TRUNCATION_SUFFIX)).toBe(true);
    const firstRows = `{"rows":${JSON.stringify(payload.rows.slice(0, 40))}`;
    expect(firstRows.length).toBeGreaterThan(4096);
    expect(result.json.slice(0, 4096)).toBe(firstRows.slice(0, 4096));
    expect(result.size).toBeGreaterThan(4096);
  });

  it('bounds sanitize() too, marking where arrays, objects and strings were cut', () => {
    const policy = new RedactionPolicy({ maxPayloadChars: 64 });
    const sanitized = policy.sanitize({
      list: Array.from({ length: 1000 }, (_, index) => index),
      after: 'never reached',
    }) as { list: unknown[]; after?: string; '...'?: string };

    expect(sanitized.list.length).toBeLessThan(100);
    expect(sanitized.list[sanitized.list.length - 1]).toBe('...');
    expect(sanitized['...']).toBe('...');
    expect(sanitized.after).toBeUndefined();

    const long = policy.sanitize({ text: 'z'.repeat(1_000_000) }) as { text: string };
    expect(long.text.length).toBeLessThan(1000);
    expect(long.text.endsWith(TRUNCATION_SUFFIX)).toBe(true);
  });

  it('never throws, even when JSON.stringify would', () => {
    const policy = new RedactionPolicy();
    const nasty: Record<string, unknown> = {
      big: 1n,
      toJSON: () => {
        throw new Error('toJSON');
      },
    };
    nasty.self = nasty;

    expect(policy.serialize(nasty)).toEqual({
      json: '{"big":"1","self":"[Circular]"}',
      size: 31,
      truncated: false,
    });
  });
});
