/**
 * The fake Ollama alone, for developing the page without a model: `deno task fake-ollama`.
 * Reads `PORT` (default 11434), `FAKE_OLLAMA_DELAY_MS` between tokens (default 40),
 * `FAKE_OLLAMA_SCENARIO` (default `normal`) and `FAKE_OLLAMA_REPLY`, the answer text (by default
 * a greeting that quotes the last user message).
 *
 * @module
 */

import { type Scenario, startFakeOllama } from "./mod.ts";

const fake = startFakeOllama({
  port: Number(Deno.env.get("PORT") ?? 11434),
  tokenDelayMs: Number(Deno.env.get("FAKE_OLLAMA_DELAY_MS") ?? 40),
  scenario: (Deno.env.get("FAKE_OLLAMA_SCENARIO") ?? "normal") as Scenario,
  reply: Deno.env.get("FAKE_OLLAMA_REPLY"),
});
console.log(`Fake Ollama listening on ${fake.url} (scenario ${fake.options.scenario})`);
