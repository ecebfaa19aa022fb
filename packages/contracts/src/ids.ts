// Prefixed, time-sortable ids: `cus_01JC4Z...` (prefix + '_' + 26 Crockford base32 characters).
// The 26 characters follow the ULID layout: 10 characters of milliseconds since the epoch (48 bits), then
// 16 characters (80 bits) of randomness. Ids minted in the same millisecond increment the random part,
// so ids from one process sort in creation order, which keeps outbox rows, logs and cursors in order.
import { getRandomValues } from 'node:crypto';

const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ'; // Crockford: no I, L, O, U
const TIME_CHARS = 10;
const RANDOM_CHARS = 16;

/** The 26-character body of an id, as a regex fragment. */
export const ULID_BODY = '[0-9A-HJKMNP-TV-Z]{26}';

let lastTime = -1;
const lastRandom = new Uint8Array(RANDOM_CHARS); // one base32 digit (0..31) per slot

function encodeTime(ms: number): string {
  let out = '';
  for (let i = 0; i < TIME_CHARS; i++) {
    out = ALPHABET[ms % 32]! + out;
    ms = Math.floor(ms / 32);
  }
  return out;
}

/** Adds one to the random digits; false on overflow (2^80 ids in one millisecond: never in practice). */
function incrementRandom(): boolean {
  for (let i = RANDOM_CHARS - 1; i >= 0; i--) {
    if (lastRandom[i]! < 31) {
      lastRandom[i]!++;
      return true;
    }
    lastRandom[i] = 0;
  }
  return false;
}

/** The bare 26-character ULID-like string (no prefix). */
export function ulid(now: number = Date.now()): string {
  // A clock that steps backwards must not break the order of ids already handed out.
  if (now <= lastTime) {
    if (!incrementRandom()) throw new Error('ulid: random space exhausted within one millisecond');
  } else {
    lastTime = now;
    getRandomValues(lastRandom);
    for (let i = 0; i < RANDOM_CHARS; i++) lastRandom[i]! &= 31;
    // Keep the top bit clear so that incrementing within the millisecond cannot overflow.
    lastRandom[0]! &= 15;
  }
  let random = '';
  for (const digit of lastRandom) random += ALPHABET[digit];
  return encodeTime(lastTime) + random;
}

/** `newId('cus')` → `cus_01JC4Z6W5M8F0T3H2QX9R7BKD1`. */
export function newId(prefix: string): string {
  if (!/^[a-z][a-z0-9]*$/.test(prefix)) throw new Error(`newId: invalid prefix "${prefix}"`);
  return `${prefix}_${ulid()}`;
}

/** Regex that matches ids minted by `newId(prefix)`. */
export function idPattern(prefix: string): RegExp {
  return new RegExp(`^${prefix}_${ULID_BODY}$`);
}

/** Milliseconds since the epoch encoded in an id (useful in logs and tests). */
export function idTime(id: string): number {
  const body = id.slice(id.lastIndexOf('_') + 1, id.lastIndexOf('_') + 1 + TIME_CHARS);
  let ms = 0;
  for (const ch of body) {
    const v = ALPHABET.indexOf(ch);
    if (v < 0) throw new Error(`idTime: not an id: ${id}`);
    ms = ms * 32 + v;
  }
  return ms;
}
