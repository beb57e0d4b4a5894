/**
 * Compile-time ties between a schema and the type it validates, so that a
 * field added to or dropped from one side alone fails `tsc`.
 *
 * @module
 */

/** Every key of `T`, of each member when `T` is a union. */
type KeysOf<T> = T extends unknown ? keyof T : never;

/**
 * `true` when `A` and `B` agree both ways: each assignable to the other, with
 * the same keys (so an optional field on one side only is caught); else `false`.
 */
export type Agree<A, B> = [A] extends [B]
  ? [B] extends [A] ? [KeysOf<A>] extends [KeysOf<B>] ? [KeysOf<B>] extends [KeysOf<A>] ? true : false : false
  : false
  : false;

/** Fails typecheck unless `T` is `true`. */
export type Assert<T extends true> = T;
