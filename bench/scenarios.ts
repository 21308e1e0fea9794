/**
 * The bench's scenarios, full size and `--quick` size, and the reply the fake gives in them.
 *
 * @module
 */

import { tokenize } from "../testing/fake_ollama/mod.ts";

/** One way to load the targets. */
export interface Scenario {
  name: string;
  description: string;
  /** Streams in flight at once. */
  concurrency: number;
  /** Streams measured (after the warm-up), per target. */
  streams: number;
  /** Streams run first and not measured, so every target is warm (JIT, connection pools). */
  warmupStreams: number;
  /** Answer tokens per stream. */
  tokens: number;
  /** Delay before each token at the fake, in milliseconds. */
  tokenDelayMs: number;
  /** Times every target is measured; the tables show each figure's median. */
  rounds: number;
}

/** The scenarios of issue 7, sized so the whole run takes a few minutes on 2 cores. */
export const FULL_SCENARIOS: Scenario[] = [
  {
    name: "single",
    description: "latency: one stream at a time, 20 tokens, no delay",
    concurrency: 1,
    streams: 1000,
    warmupStreams: 100,
    tokens: 20,
    tokenDelayMs: 0,
    rounds: 3,
  },
  {
    name: "firehose",
    description: "throughput: 32 streams at once, 50 tokens each, no delay",
    concurrency: 32,
    streams: 6400,
    warmupStreams: 640,
    tokens: 50,
    tokenDelayMs: 0,
    rounds: 3,
  },
  {
    name: "many",
    description: "open streams: 1,000 at once, 100 tokens each, 20 ms apart",
    concurrency: 1000,
    streams: 1000,
    warmupStreams: 200,
    tokens: 100,
    tokenDelayMs: 20,
    rounds: 3,
  },
];

/** Tiny versions of {@link FULL_SCENARIOS}: seconds in all, to prove the bench still works. */
export const QUICK_SCENARIOS: Scenario[] = FULL_SCENARIOS.map((scenario) => ({
  ...scenario,
  concurrency: Math.min(scenario.concurrency, 20),
  streams: 20,
  warmupStreams: 2,
  tokens: 10,
  tokenDelayMs: Math.min(scenario.tokenDelayMs, 5),
  rounds: 1,
}));

const WORDS = ["Hello", "world,", "Ünïcödé", "✓", "日本語", "and", "👋", '"quoted"', "back\\slash"];

/**
 * A reply of `count` tokens as the fake splits it (each with its leading whitespace), with
 * multi-byte characters, quotes, a backslash and newlines, so any damage to the text shows.
 */
export function benchReply(count: number): { text: string; tokens: string[] } {
  const text = Array.from(
    { length: count },
    (_, index) => (index === 0 ? "" : index % 10 === 0 ? "\n" : " ") + WORDS[index % WORDS.length],
  ).join("");
  const tokens = tokenize(text);
  if (tokens.length !== count) throw new Error(`benchReply made ${tokens.length} tokens`);
  return { text, tokens };
}
