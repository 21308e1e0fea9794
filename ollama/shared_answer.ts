/**
 * One recent answer about Ollama, shared. The probes anyone may send without a key (`/healthz`,
 * `GET /api/version`) would otherwise each cost a request to Ollama, so a flood of probes would be
 * a flood to Ollama. {@link sharedAnswer} asks once, gives every caller meanwhile the same answer
 * (or the same failure), and keeps it for a moment.
 *
 * @example A thousand callers, one question
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { sharedAnswer } from "./shared_answer.ts";
 *
 * let asked = 0;
 * const version = sharedAnswer(() => Promise.resolve(++asked), 1_000);
 * const answers = await Promise.all(Array.from({ length: 1000 }, () => version()));
 * assertEquals(new Set(answers), new Set([1]));
 * assertEquals(asked, 1);
 * ```
 *
 * @module
 */

/** Milliseconds an answer to an unauthenticated probe is kept: fresh enough for a health check. */
export const PROBE_ANSWER_MS = 1_000;

/**
 * `ask`, shared: a call while an answer is on its way, or within `keepMs` after it arrived, gets
 * that answer (a rejection included) instead of asking again.
 */
export function sharedAnswer<T>(ask: () => Promise<T>, keepMs: number): () => Promise<T> {
  let answer: Promise<T> | undefined;
  let freshUntil = Infinity;
  return () => {
    if (answer && performance.now() < freshUntil) return answer;
    freshUntil = Infinity; // Until the new answer arrives.
    const asked = ask();
    answer = asked;
    const keep = () => {
      if (answer === asked) freshUntil = performance.now() + keepMs;
    };
    asked.then(keep, keep);
    return asked;
  };
}
