import assert from "node:assert/strict";
import { ConfigError, generateKey, loadConfig } from "../config.ts";

Deno.test("config: defaults match DESIGN.md's table", () => {
  const config = loadConfig({ OLLAMA_API_KEY: "k1" });
  assert.equal(config.port, 7860);
  assert.equal(config.host, "0.0.0.0");
  assert.equal(config.ollamaUrl, "http://127.0.0.1:11434");
  assert.equal(config.defaultModel, "qwen3:4b");
  assert.deepEqual(config.apiKeys, ["k1"]);
  assert.equal(config.keyGenerated, false);
  assert.equal(config.maxBodyBytes, 1024 * 1024);
});

Deno.test("config: reads every variable and trims a trailing slash from OLLAMA_URL", () => {
  const config = loadConfig({
    PORT: "8080",
    HOST: "127.0.0.1",
    OLLAMA_URL: "http://ollama.internal:11434/",
    OLLAMA_MODEL: "llama3.2:1b",
    OLLAMA_API_KEY: " first , second,,third= ",
  });
  assert.equal(config.port, 8080);
  assert.equal(config.host, "127.0.0.1");
  assert.equal(config.ollamaUrl, "http://ollama.internal:11434");
  assert.equal(config.defaultModel, "llama3.2:1b");
  assert.deepEqual(config.apiKeys, ["first", "second", "third="]);
});

Deno.test("config: no key set generates one 43-character base64url key", () => {
  for (const value of [undefined, "", " , "]) {
    const config = loadConfig({ OLLAMA_API_KEY: value });
    assert.equal(config.keyGenerated, true);
    assert.equal(config.apiKeys.length, 1);
    assert.match(config.apiKeys[0], /^[A-Za-z0-9_-]{43}$/);
  }
  assert.notEqual(generateKey(), generateKey());
});

Deno.test("config: a bad value stops startup with a message naming the variable", () => {
  const cases: [Record<string, string>, string][] = [
    [{ PORT: "0" }, "PORT"],
    [{ PORT: "65536" }, "PORT"],
    [{ PORT: "80a" }, "PORT"],
    [{ PORT: "" }, "PORT"],
    [{ HOST: " " }, "HOST"],
    [{ OLLAMA_URL: "not a url" }, "OLLAMA_URL"],
    [{ OLLAMA_URL: "ftp://example.com" }, "OLLAMA_URL"],
    [{ OLLAMA_URL: "http://user:pw@example.com" }, "OLLAMA_URL"],
    [{ OLLAMA_MODEL: "two words" }, "OLLAMA_MODEL"],
    [{ OLLAMA_MODEL: "" }, "OLLAMA_MODEL"],
    [{ OLLAMA_API_KEY: "good,bad key" }, "OLLAMA_API_KEY"],
    [{ OLLAMA_API_KEY: 'quote"d' }, "OLLAMA_API_KEY"],
  ];
  for (const [env, variable] of cases) {
    assert.throws(
      () => loadConfig({ OLLAMA_API_KEY: "k", ...env }),
      (error: Error) => error instanceof ConfigError && error.message.startsWith(variable),
      `${JSON.stringify(env)} should be refused naming ${variable}`,
    );
  }
});

Deno.test("config: a refused key is not repeated in the message", () => {
  assert.throws(
    () => loadConfig({ OLLAMA_API_KEY: "s3cret with space" }),
    (error: Error) => !error.message.includes("s3cret"),
  );
});
