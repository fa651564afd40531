import { randomFillSync } from 'node:crypto';

/**
 * UUID v4 ids from a pool of random bytes, written as one flat string. `crypto.randomUUID()`
 * builds each id by joining 20 small strings, which is most of what a correlated dispatch
 * allocates; this writes the 36 characters into a buffer and reads them out once. Same
 * entropy source (the CSPRNG, 256 ids per refill), same format.
 */
const IDS_PER_REFILL = 256;
const pool = Buffer.allocUnsafe(16 * IDS_PER_REFILL);
let next = pool.length;
const text = Buffer.allocUnsafe(36);
const HEX_DIGITS = Buffer.from('0123456789abcdef', 'latin1');

export function uuidV4(): string {
  if (next === pool.length) {
    randomFillSync(pool);
    next = 0;
  }
  const at = next;
  next += 16;
  let out = 0;
  for (let i = 0; i < 16; i++) {
    let byte = pool[at + i]!;
    if (i === 6) byte = (byte & 0x0f) | 0x40;
    else if (i === 8) byte = (byte & 0x3f) | 0x80;
    if (i === 4 || i === 6 || i === 8 || i === 10) text[out++] = 0x2d;
    text[out++] = HEX_DIGITS[byte >> 4]!;
    text[out++] = HEX_DIGITS[byte & 0x0f]!;
  }
  return text.toString('latin1', 0, 36);
}
