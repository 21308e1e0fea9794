/**
 * A small cache for pure functions of a string, so a streaming answer that is rendered again every
 * frame does not typeset the same formula or highlight the same code block again each time.
 *
 * @module
 */

/**
 * `compute`, remembering its last `limit` results; the oldest is forgotten first.
 *
 * @example
 * ```js
 * import { assertEquals } from "@std/assert";
 * let calls = 0;
 * const shout = memoize((text) => (calls++, text.toUpperCase()), 2);
 * assertEquals([shout("a"), shout("a"), shout("b")], ["A", "A", "B"]);
 * assertEquals(calls, 2);
 * ```
 *
 * @template T
 * @param {(key: string) => T} compute
 * @param {number} limit
 * @returns {(key: string) => T}
 */
export function memoize(compute, limit) {
  /** @type {Map<string, T>} */
  const cache = new Map();
  return (key) => {
    if (cache.has(key)) return /** @type {T} */ (cache.get(key));
    const value = compute(key);
    if (cache.size >= limit) cache.delete(/** @type {string} */ (cache.keys().next().value));
    cache.set(key, value);
    return value;
  };
}
