/**
 * Task ids: time-ordered like UUIDv7 — the epoch milliseconds as 10 base36
 * characters, then 15 base36 characters drawn at random (77.5 bits from the
 * Web Crypto API) at the first id of each millisecond and counted up by one
 * for each further id in it, as RFC 9562 (§6.2, method 2) lets UUIDv7 do:
 * 25 characters, zero-padded, so text order is time order, and the ids one
 * process makes only ever grow. A new task's id then lands at the end of the
 * unique index instead of at a random page of it. Written digit by digit, not
 * through a 128-bit BigInt, and with no random draw for most ids of a bulk
 * create: an id is made for every task created, so it must be cheap.
 *
 * @module
 */

const DIGITS = Array.from("0123456789abcdefghijklmnopqrstuvwxyz", (c) => c.charCodeAt(0));
/** By character code, the code of each base36 digit's successor ("z" has none: the digit before carries). */
const NEXT: number[] = new Array(128).fill(0);
for (let i = 0; i + 1 < DIGITS.length; i++) NEXT[DIGITS[i]] = DIGITS[i + 1];
const bytes = new Uint8Array(32);
/** The character codes of the last id made; the first 10 are its millisecond. */
const codes: number[] = new Array(25).fill(0);
let lastMs = -1;

/** Fresh random digits for positions 10 to 24. */
function drawRandom(): void {
  for (let k = 10; k < 25;) {
    crypto.getRandomValues(bytes);
    // 252 = 7 × 36: a byte past it would make the first digits likelier, so it is skipped
    for (let j = 0; j < bytes.length && k < 25; j++) if (bytes[j] < 252) codes[k++] = DIGITS[bytes[j] % 36];
  }
}

/** The random part plus one; false when it was all "z" (a chance of 36^-15 per millisecond). */
function countUp(): boolean {
  for (let k = 24; k >= 10; k--) {
    const next = NEXT[codes[k]];
    if (next) {
      codes[k] = next;
      return true;
    }
    codes[k] = DIGITS[0];
  }
  return false;
}

/** A fresh id: 10 base36 characters of time, 15 of a random start counted up within the millisecond. */
export function newId(): string {
  let ms = Date.now();
  // within the last id's millisecond (or a clock set back), count up; past "zzz…", move to the next millisecond
  if (ms <= lastMs && !countUp()) ms = lastMs + 1;
  if (ms > lastMs) {
    lastMs = ms;
    const time = ms.toString(36).padStart(10, "0");
    for (let i = 0; i < 10; i++) codes[i] = time.charCodeAt(i);
    drawRandom();
  }
  // one flat string (a string grown by += is a rope that JSON.stringify and SQLite must flatten later)
  return String.fromCharCode.apply(null, codes);
}
