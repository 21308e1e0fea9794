/**
 * The fake Ollama alone, for developing the page without a model: `deno task fake-ollama`.
 * Reads `PORT` (default 11434), `FAKE_OLLAMA_DELAY_MS` between tokens (default 40),
 * `FAKE_OLLAMA_SCENARIO` (default `normal`) and `FAKE_OLLAMA_REPLY`, the answer text (by default
 * a greeting that quotes the last user message). Installs `qwen3:4b` (thinks), `llama3.2:1b` and
 * `gemma3:4b` (reads images); and, to be as strict as a real Ollama,
 * `FAKE_OLLAMA_NUM_PARALLEL` (answers per model at once; unlimited by default),
 * `FAKE_OLLAMA_KEEP_ALIVE_MS` (idle time before a model unloads; never by default) and
 * `FAKE_OLLAMA_LOAD_DELAY_MS` (how long a load takes; 0 by default).
 *
 * @module
 */

import { type Scenario, startFakeOllama } from "./mod.ts";

const fake = startFakeOllama({
  port: Number(Deno.env.get("PORT") ?? 11434),
  tokenDelayMs: Number(Deno.env.get("FAKE_OLLAMA_DELAY_MS") ?? 40),
  scenario: (Deno.env.get("FAKE_OLLAMA_SCENARIO") ?? "normal") as Scenario,
  reply: Deno.env.get("FAKE_OLLAMA_REPLY"),
  models: ["qwen3:4b", "llama3.2:1b", "gemma3:4b"],
  numParallel: Number(Deno.env.get("FAKE_OLLAMA_NUM_PARALLEL") ?? Infinity),
  keepAliveMs: Number(Deno.env.get("FAKE_OLLAMA_KEEP_ALIVE_MS") ?? Infinity),
  loadDelayMs: Number(Deno.env.get("FAKE_OLLAMA_LOAD_DELAY_MS") ?? 0),
});
console.log(`Fake Ollama listening on ${fake.url} (scenario ${fake.options.scenario})`);
