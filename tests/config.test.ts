import { assert, assertEquals, assertMatch, assertNotEquals, assertThrows } from "@std/assert";
import { ConfigError, generateKey, loadConfig } from "../config.ts";

Deno.test("config: defaults are the documented ones (README's Configuration table)", () => {
  const config = loadConfig({ OLLAMA_API_KEY: "key-one-0123456789" });
  assertEquals(config.port, 7860);
  assertEquals(config.host, "0.0.0.0");
  assertEquals(config.ollamaUrl, "http://127.0.0.1:11434");
  assertEquals(config.defaultModel, "qwen3:4b");
  assertEquals(config.apiKeys, ["key-one-0123456789"]);
  assertEquals(config.keyGenerated, false);
  assertEquals(config.maxBodyBytes, 8 * 1024 * 1024);
});

Deno.test("config: reads every variable and trims a trailing slash from OLLAMA_URL", () => {
  const config = loadConfig({
    PORT: "8080",
    HOST: "127.0.0.1",
    OLLAMA_URL: "http://ollama.internal:11434/",
    OLLAMA_MODEL: "llama3.2:1b",
    OLLAMA_API_KEY: " first-key-0123456 , second-key-0123456,,third-key-0123456= ",
  });
  assertEquals(config.port, 8080);
  assertEquals(config.host, "127.0.0.1");
  assertEquals(config.ollamaUrl, "http://ollama.internal:11434");
  assertEquals(config.defaultModel, "llama3.2:1b");
  assertEquals(config.apiKeys, [
    "first-key-0123456",
    "second-key-0123456",
    "third-key-0123456=",
  ]);
});

Deno.test("config: no key set generates one 43-character base64url key", () => {
  for (const value of [undefined, "", " , "]) {
    const config = loadConfig({ OLLAMA_API_KEY: value });
    assertEquals(config.keyGenerated, true);
    assertEquals(config.apiKeys.length, 1);
    assertMatch(config.apiKeys[0], /^[A-Za-z0-9_-]{43}$/);
  }
  assertNotEquals(generateKey(), generateKey());
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
    [{ OLLAMA_API_KEY: "good-key-0123456789,bad key" }, "OLLAMA_API_KEY"],
    [{ OLLAMA_API_KEY: "good-key-0123456789,short-key" }, "OLLAMA_API_KEY"],
    [{ OLLAMA_API_KEY: 'quote"d' }, "OLLAMA_API_KEY"],
  ];
  for (const [env, variable] of cases) {
    const error = assertThrows(
      () => loadConfig({ OLLAMA_API_KEY: "key-one-0123456789", ...env }),
      ConfigError,
    );
    assert(
      error.message.startsWith(variable),
      `${JSON.stringify(env)} should be refused naming ${variable}`,
    );
  }
});

Deno.test("config: a refused key is not repeated in the message", () => {
  const error = assertThrows(
    () => loadConfig({ OLLAMA_API_KEY: "s3cret with space" }),
    ConfigError,
  );
  assert(!error.message.includes("s3cret"), error.message);
});

Deno.test("config: a key shorter than 16 characters is refused, with how to make a good one", () => {
  for (const keys of ["a", "dev-key", "fifteen-chars-x", "long-enough-key-1,tiny"]) {
    const error = assertThrows(() => loadConfig({ OLLAMA_API_KEY: keys }), ConfigError);
    assertMatch(error.message, /^OLLAMA_API_KEY: key \d of \d is \d+ characters? long/);
    assertMatch(error.message, /at least 16/);
    assertMatch(error.message, /openssl rand -base64 32/);
    const secrets = keys.split(",").filter((key) => key.length > 3);
    for (const key of secrets) assert(!error.message.includes(key), error.message);
  }
  assertEquals(loadConfig({ OLLAMA_API_KEY: "sixteen-chars-ok" }).apiKeys, ["sixteen-chars-ok"]);
});
