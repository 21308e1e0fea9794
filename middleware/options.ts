/**
 * Checks for middleware options, run when a factory builds its middleware: a bad value fails at
 * startup, naming the option, rather than on some later request.
 *
 * @module
 */

/** Throws a `RangeError` naming `name` unless `value` is a whole number of at least `min`. */
export function requireWholeNumber(name: string, value: number, min = 1): void {
  if (!Number.isSafeInteger(value) || value < min) {
    throw new RangeError(`${name} must be a whole number of at least ${min}, not ${value}`);
  }
}
