/**
 * `OPENAI_BASE_URL` and `OPENAI_API_KEY` (`config.ts`): engine mode is one setting, nothing
 * changes without it, and a bad value stops startup with a message naming the variable.
 *
 * @module
 */

import { assertEquals, assertThrows } from "@std/assert";
import { ConfigError, loadConfig } from "../config.ts";

const base = { OLLAMA_API_KEY: "a-long-secret-key-1234" };

Deno.test("config: without OPENAI_BASE_URL there is no engine, even with OPENAI_API_KEY set", () => {
  for (const env of [{}, { OPENAI_BASE_URL: "  " }, { OPENAI_API_KEY: "sk-elsewhere" }]) {
    const config = loadConfig({ ...base, ...env });
    assertEquals([config.engineUrl, config.engineKey], [undefined, undefined]);
    assertEquals("engineUrl" in config, false);
  }
});

Deno.test("config: OPENAI_BASE_URL as the SDKs take it, trailing slash dropped; the key is optional", () => {
  const cases: [string, string][] = [
    ["http://vllm:8000/v1", "http://vllm:8000/v1"],
    [" http://vllm:8000/v1/ ", "http://vllm:8000/v1"],
    ["https://kserve.example.com/openai/v1", "https://kserve.example.com/openai/v1"],
  ];
  for (const [value, engineUrl] of cases) {
    const config = loadConfig({ ...base, OPENAI_BASE_URL: value });
    assertEquals(config.engineUrl, engineUrl);
    assertEquals("engineKey" in config, false);
  }
  const keyed = loadConfig({
    ...base,
    OPENAI_BASE_URL: "http://vllm:8000/v1",
    OPENAI_API_KEY: "sk-engine-1",
  });
  assertEquals(keyed.engineKey, "sk-engine-1");
});

Deno.test("config: a bad OPENAI_BASE_URL or OPENAI_API_KEY stops startup, naming the variable", () => {
  const cases: [Record<string, string>, string][] = [
    [{ OPENAI_BASE_URL: "vllm:8000/v1" }, "OPENAI_BASE_URL must be an http:// or https:// URL"],
    [{ OPENAI_BASE_URL: "not a url" }, "OPENAI_BASE_URL must be an http:// or https:// URL"],
    [
      { OPENAI_BASE_URL: "http://vllm:8000" },
      "OPENAI_BASE_URL must include the path of the engine's OpenAI API, usually /v1",
    ],
    [{ OPENAI_BASE_URL: "http://vllm:8000/" }, "OPENAI_BASE_URL must include the path"],
    [
      { OPENAI_BASE_URL: "http://user:pw@vllm:8000/v1" },
      "OPENAI_BASE_URL must not carry credentials",
    ],
    [
      { OPENAI_BASE_URL: "http://vllm:8000/v1?key=1" },
      "OPENAI_BASE_URL must not carry credentials, a query",
    ],
    [
      { OPENAI_BASE_URL: "http://vllm:8000/v1", OPENAI_API_KEY: "sk secret with spaces" },
      "OPENAI_API_KEY has characters",
    ],
  ];
  for (const [env, message] of cases) {
    const error = assertThrows(() => loadConfig({ ...base, ...env }), ConfigError, message);
    assertEquals(error.message.includes("secret with spaces"), false, "the key stays out");
  }
});
