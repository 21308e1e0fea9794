/**
 * The fake engine alone, for developing the page and trying engine mode without a GPU:
 * `deno task fake-engine`, then start the gateway with `OPENAI_BASE_URL=http://127.0.0.1:8000/v1`.
 * Reads `PORT` (default 8000), `FAKE_ENGINE_DELAY_MS` between tokens (default 40),
 * `FAKE_ENGINE_FIRST_TOKEN_MS` before the first (default 0), `FAKE_ENGINE_SCENARIO` (default
 * `normal`), `FAKE_ENGINE_REPLY` (by default a greeting that quotes the last user message) and
 * `FAKE_ENGINE_API_KEY` (a key to require; none by default).
 *
 * @module
 */

import { type EngineScenario, startFakeEngine } from "./mod.ts";

const env = (name: string) => Deno.env.get(name);
const engine = startFakeEngine({
  port: Number(env("PORT") ?? 8000),
  tokenDelayMs: Number(env("FAKE_ENGINE_DELAY_MS") ?? 40),
  firstTokenDelayMs: Number(env("FAKE_ENGINE_FIRST_TOKEN_MS") ?? 0),
  scenario: (env("FAKE_ENGINE_SCENARIO") ?? "normal") as EngineScenario,
  reply: env("FAKE_ENGINE_REPLY") ?? "",
  apiKey: env("FAKE_ENGINE_API_KEY") ?? "",
});
console.log(
  `Fake engine listening on ${engine.url}/v1 (scenario ${engine.options.scenario}, models ` +
    `${engine.options.models.join(", ")})`,
);
