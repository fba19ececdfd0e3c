import { ALNUM, hash32, Prng } from './prng.js';

/**
 * Ids of generated opportunities. They look like Firestore ids (20 alnum chars, ghl-api.md §1.4)
 * but are an invertible encoding of the record index, so admin calls and the `id` search filter
 * can find record i of a 500k-record location without an id → index map in memory.
 */

const ROUNDS = 4;
const TWO_32 = 4_294_967_296;
const PREFIX_LENGTH = 6; // 62^6 ≈ 5.7e10 ≥ 13 · 2^32, room for the scrambled index plus a spread factor
const SPREAD = 13;

function feistel(value: number, key: number, inverse: boolean): number {
  let left = (value >>> 16) & 0xffff;
  let right = value & 0xffff;
  if (!inverse) {
    for (let round = 0; round < ROUNDS; round += 1) {
      const next = left ^ (hash32(right, key, round) & 0xffff);
      left = right;
      right = next;
    }
  } else {
    for (let round = ROUNDS - 1; round >= 0; round -= 1) {
      const prev = right ^ (hash32(left, key, round) & 0xffff);
      right = left;
      left = prev;
    }
  }
  return ((left << 16) | right) >>> 0;
}

function toBase62(value: number, length: number): string {
  let out = '';
  let rest = value;
  for (let i = 0; i < length; i += 1) {
    out = ALNUM[rest % 62] + out;
    rest = Math.floor(rest / 62);
  }
  return out;
}

function fromBase62(text: string): number | undefined {
  let value = 0;
  for (const ch of text) {
    const digit = ALNUM.indexOf(ch);
    if (digit < 0) return undefined;
    value = value * 62 + digit;
  }
  return value;
}

/** The id of generated record `index` in the location whose numeric salt is `salt`. */
export function encodeOpportunityId(salt: number, index: number): string {
  const prng = new Prng(hash32(salt, index, 0x1d));
  const scrambled = feistel(index, salt, false) + TWO_32 * prng.int(0, SPREAD - 1);
  return toBase62(scrambled, PREFIX_LENGTH) + prng.chars(20 - PREFIX_LENGTH, ALNUM);
}

/**
 * The record index encoded in `id`, or undefined when `id` is not a generated id of this location
 * (created records, injected records, other locations, garbage).
 */
export function decodeOpportunityId(salt: number, id: string, count: number): number | undefined {
  if (id.length !== 20) return undefined;
  const scrambled = fromBase62(id.slice(0, PREFIX_LENGTH));
  if (scrambled === undefined) return undefined;
  const index = feistel(scrambled % TWO_32, salt, true);
  if (index >= count) return undefined;
  return encodeOpportunityId(salt, index) === id ? index : undefined;
}
