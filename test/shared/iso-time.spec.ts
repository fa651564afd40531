import { isoTimeOf } from '../../lib/shared/iso-time';

describe('isoTimeOf', () => {
  it('writes what Date.prototype.toISOString writes, across the whole range of dates', () => {
    const times = [
      0,
      -1,
      Date.UTC(999, 11, 31, 23, 59, 59, 999),
      Date.UTC(1000, 0, 1),
      Date.UTC(1969, 11, 31, 23, 59, 59, 999),
      Date.UTC(2024, 1, 29, 0, 0, 0, 7),
      Date.UTC(2026, 11, 1, 9, 5, 3, 42),
      Date.UTC(9999, 11, 31, 23, 59, 59, 999),
      Date.UTC(10000, 0, 1),
      Date.UTC(-1, 0, 1),
      8.64e15,
      -8.64e15,
    ];
    // And a spread of instants between year 0 and 9999, every field's width covered.
    let seed = 7;
    for (let i = 0; i < 5000; i++) {
      seed = (seed * 48271) % 2147483647;
      times.push(
        Date.UTC(0, 0, 1) + (seed / 2147483647) * (Date.UTC(9999, 11, 31) - Date.UTC(0, 0, 1)),
      );
    }
    for (const time of times) {
      const date = new Date(time);
      expect([time, isoTimeOf(date)]).toEqual([time, date.toISOString()]);
    }
  });

  it("writes 'Invalid Date' for an invalid date, as the payload always has", () => {
    expect(isoTimeOf(new Date(Number.NaN))).toBe('Invalid Date');
    expect(isoTimeOf(new Date('not a date'))).toBe('Invalid Date');
  });

  it('gives a date changed since it was last asked its new time', () => {
    const date = new Date(Date.UTC(2026, 0, 2, 3, 4, 5, 6));
    expect(isoTimeOf(date)).toBe('2026-01-02T03:04:05.006Z');
    date.setTime(Date.UTC(2027, 6, 8, 9, 10, 11, 12));
    expect(isoTimeOf(date)).toBe('2027-07-08T09:10:11.012Z');
    date.setTime(Number.NaN);
    expect(isoTimeOf(date)).toBe('Invalid Date');
  });

  it("never calls a date's own methods", () => {
    const date = new Date(Date.UTC(2026, 4, 5));
    date.toISOString = () => 'overridden';
    date.getTime = () => 0;
    date.getUTCFullYear = () => 1;
    expect(isoTimeOf(date)).toBe('2026-05-05T00:00:00.000Z');
  });

  it('refuses a value that only looks like a date', () => {
    const impostor = Object.create(Date.prototype) as Date;
    expect(() => isoTimeOf(impostor)).toThrow(TypeError);
  });
});
