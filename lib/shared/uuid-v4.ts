import { randomFillSync } from 'node:crypto';

/**
 * UUID v4 ids from a pool of random bytes, each made as one flat string by a single
 * `String.fromCharCode` call. `crypto.randomUUID()` builds each id by joining 20 small strings,
 * which is most of what a correlated dispatch allocates; writing the characters into a buffer
 * and decoding it costs a native call per id. Same entropy source (the CSPRNG, 256 ids per
 * refill), same format.
 */
const IDS_PER_REFILL = 256;
const pool = Buffer.allocUnsafe(16 * IDS_PER_REFILL);
let next = pool.length;
const HEX_DIGITS = Uint8Array.from('0123456789abcdef', (digit) => digit.charCodeAt(0));
const DASH = 0x2d;

const high = (byte: number): number => HEX_DIGITS[byte >> 4]!;
const low = (byte: number): number => HEX_DIGITS[byte & 0x0f]!;

export function uuidV4(): string {
  if (next === pool.length) {
    randomFillSync(pool);
    next = 0;
  }
  const p = pool;
  const at = next;
  next += 16;
  const version = (p[at + 6]! & 0x0f) | 0x40;
  const variant = (p[at + 8]! & 0x3f) | 0x80;
  // One call with every character: a loop into an array and `apply` costs as much as the
  // buffer's decoding.
  return String.fromCharCode(
    high(p[at]!),
    low(p[at]!),
    high(p[at + 1]!),
    low(p[at + 1]!),
    high(p[at + 2]!),
    low(p[at + 2]!),
    high(p[at + 3]!),
    low(p[at + 3]!),
    DASH,
    high(p[at + 4]!),
    low(p[at + 4]!),
    high(p[at + 5]!),
    low(p[at + 5]!),
    DASH,
    high(version),
    low(version),
    high(p[at + 7]!),
    low(p[at + 7]!),
    DASH,
    high(variant),
    low(variant),
    high(p[at + 9]!),
    low(p[at + 9]!),
    DASH,
    high(p[at + 10]!),
    low(p[at + 10]!),
    high(p[at + 11]!),
    low(p[at + 11]!),
    high(p[at + 12]!),
    low(p[at + 12]!),
    high(p[at + 13]!),
    low(p[at + 13]!),
    high(p[at + 14]!),
    low(p[at + 14]!),
    high(p[at + 15]!),
    low(p[at + 15]!),
  );
}
