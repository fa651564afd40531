import { isValidId } from '../../lib/shared/id-format';
import { uuidV4 } from '../../lib/shared/uuid-v4';

const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const ID_FORMAT = /^[A-Za-z0-9._:-]{1,128}$/;

describe('uuidV4', () => {
  it('writes RFC 4122 version-4 ids, each one different, across pool refills', () => {
    const ids = new Set<string>();
    for (let i = 0; i < 2000; i++) {
      const id = uuidV4();
      expect(id).toMatch(UUID_V4);
      ids.add(id);
    }
    expect(ids.size).toBe(2000);
  });

  it('writes every random byte to its own two digits: no digit is fixed or copies another', () => {
    // The 30 hex digits outside the version digit (14) and the variant digit (19), dashes aside.
    const positions = [...Array(36).keys()].filter(
      (i) => ![8, 13, 18, 23].includes(i) && i !== 14 && i !== 19,
    );
    const ids = Array.from({ length: 4000 }, () => uuidV4());
    for (const i of positions) {
      expect([i, new Set(ids.map((id) => id[i])).size]).toEqual([i, 16]);
    }
    expect(new Set(ids.map((id) => id[19])).size).toBe(4);
    for (const i of positions) {
      for (const j of positions) {
        if (i < j) expect([i, j, ids.some((id) => id[i] !== id[j])]).toEqual([i, j, true]);
      }
    }
  });
});

describe('isValidId', () => {
  it('accepts exactly what the documented format accepts', () => {
    const samples: unknown[] = [
      'a',
      'A-z_0.9:x',
      uuidV4(),
      'x'.repeat(128),
      'x'.repeat(129),
      '',
      'with space',
      'new\nline',
      '<b>',
      'é',
      'ok\u0000',
      'café-1',
      undefined,
      null,
      42,
      {},
    ];
    for (const sample of samples) {
      expect([sample, isValidId(sample)]).toEqual([
        sample,
        typeof sample === 'string' && ID_FORMAT.test(sample),
      ]);
    }
  });
});
