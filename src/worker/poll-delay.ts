/**
 * The idle worker's jittered poll backoff.
 *
 * @module
 */

/** Idle poll delay in whole ms: 300 ms × 2^n, ±50 %, capped at `maxMs`. */
export function pollDelay(idleRounds: number, maxMs: number): number {
  const base = 300 * 2 ** Math.min(idleRounds, 20);
  return Math.round(Math.min(maxMs, base * (0.5 + Math.random())));
}
