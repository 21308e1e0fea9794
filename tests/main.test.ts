import { assert, assertEquals, assertMatch } from "@std/assert";
import { startFakeOllama } from "../testing/fake_ollama/mod.ts";
import { readNdjson } from "../testing/gateway.ts";
import { runMain } from "../testing/process.ts";

Deno.test("main: with no key set, a generated key is printed once and accepted", async () => {
  const fake = startFakeOllama();
  const gateway = runMain({ OLLAMA_URL: fake.url });
  try {
    await gateway.waitForOutput(/listening on/);
    const keys = [...gateway.output().matchAll(/API key: ([A-Za-z0-9_-]+)\n/g)].map((m) => m[1]);
    assertEquals(keys.length, 1, gateway.output());
    assertEquals(keys[0].length, 43);

    const response = await fetch(`${gateway.url}/chat_api`, {
      method: "POST",
      headers: { authorization: `Bearer ${keys[0]}` },
      body: JSON.stringify({ prompt: "hello" }),
    });
    assertEquals(response.status, 200);
    assertEquals((await readNdjson(response)).at(-1)?.done, true);

    const wrong = await fetch(`${gateway.url}/chat_api`, {
      method: "POST",
      headers: { authorization: "Bearer not-the-key" },
      body: JSON.stringify({ prompt: "hello" }),
    });
    assertEquals(wrong.status, 401);
    await wrong.body?.cancel();
  } finally {
    gateway.kill("SIGTERM");
    assertEquals((await gateway.exited()).code, 0, "SIGTERM shuts down cleanly");
    await fake.close();
  }
});

Deno.test("main: configured keys are used, all accepted, and never printed", async () => {
  const fake = startFakeOllama();
  const gateway = runMain({
    OLLAMA_URL: fake.url,
    OLLAMA_API_KEY: "alpha-key-0123456789,beta-key-0123456789",
  });
  try {
    await gateway.waitForOutput(/listening on/);
    for (const key of ["alpha-key-0123456789", "beta-key-0123456789"]) {
      const response = await fetch(`${gateway.url}/chat_api`, {
        method: "POST",
        headers: { authorization: `Bearer ${key}` },
        body: JSON.stringify({ prompt: "hello" }),
      });
      assertEquals(response.status, 200, key);
      await response.body?.cancel();
    }
  } finally {
    gateway.kill("SIGTERM");
    await gateway.exited();
    await fake.close();
  }
  assert(!/alpha-key|beta-key|API key:/.test(gateway.output()), gateway.output());
});

Deno.test("main: a bad variable stops startup with a message naming it", async () => {
  for (
    const [env, variable] of [
      [{ PORT: "http" }, "PORT"],
      [{ OLLAMA_URL: "localhost:11434" }, "OLLAMA_URL"],
      [{ OLLAMA_API_KEY: "a b" }, "OLLAMA_API_KEY"],
      [{ OLLAMA_API_KEY: "dev-key" }, "OLLAMA_API_KEY"],
    ] as const
  ) {
    const gateway = runMain(env);
    const status = await gateway.exited();
    assertEquals(status.code, 1, gateway.output());
    assertMatch(gateway.output(), new RegExp(`cannot start: ${variable}`));
  }
});
