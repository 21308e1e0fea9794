/**
 * The entry point as the compiled binary will run it: `deno compile` cannot run here (it downloads
 * Deno's runtime), so this runs `main.ts` with the compile task's permission flags from another
 * working directory, and checks that the whole app works from there: the page, a static asset,
 * `/healthz`, a streamed `/chat_api` answer from the fake Ollama, the `healthcheck` command, and
 * a clean stop on SIGTERM.
 */

import { assert, assertEquals, assertMatch } from "@std/assert";
import { join } from "@std/path";
import { compileTask, REPO } from "../../testing/compile_task.ts";
import { defaultReply, startFakeOllama } from "../../testing/fake_ollama/mod.ts";
import { answerText, readNdjson, TEST_KEY } from "../../testing/gateway.ts";
import { freePort, spawnProcess } from "../../testing/process.ts";

/** `deno run` arguments that run the entry point the way the binary does, from anywhere. */
function entryPointArgs(...args: string[]): string[] {
  const { permissionFlags, entry } = compileTask();
  return [
    "run",
    "--config",
    join(REPO, "deno.json"),
    ...permissionFlags,
    join(REPO, entry),
    ...args,
  ];
}

Deno.test("the entry point serves the whole app from another directory with the compile task's permissions", async () => {
  const fake = startFakeOllama();
  const cwd = await Deno.makeTempDir({ prefix: "ollamaspace-cwd-" });
  const port = freePort();
  const env = {
    PORT: String(port),
    HOST: "127.0.0.1",
    OLLAMA_URL: fake.url,
    OLLAMA_API_KEY: TEST_KEY,
    NO_COLOR: "1",
  };
  const gateway = spawnProcess(Deno.execPath(), entryPointArgs(), { cwd, env });
  const base = `http://127.0.0.1:${port}`;
  try {
    await gateway.waitForOutput(/OllamaSpace listening on/);

    const page = await fetch(`${base}/chat`);
    assertEquals(page.status, 200);
    assertMatch(page.headers.get("content-type")!, /^text\/html/);
    assertEquals(await page.text(), Deno.readTextFileSync(join(REPO, "static", "chat.html")));

    const style = await fetch(`${base}/static/style.css`);
    assertEquals(style.status, 200);
    assertMatch(style.headers.get("content-type")!, /^text\/css/);
    assertEquals(await style.text(), Deno.readTextFileSync(join(REPO, "static", "style.css")));

    const health = await fetch(`${base}/healthz`);
    assertEquals(await health.json(), {
      status: "ok",
      ollama: "up",
      model: "qwen3:4b",
      model_loaded: true,
    });

    const chat = await fetch(`${base}/chat_api`, {
      method: "POST",
      headers: { authorization: `Bearer ${TEST_KEY}`, "content-type": "application/json" },
      body: JSON.stringify({ prompt: "Hello from /tmp" }),
    });
    assertEquals(chat.status, 200);
    assertMatch(chat.headers.get("content-type")!, /^application\/x-ndjson/);
    const lines = await readNdjson(chat);
    assertEquals(answerText(lines), defaultReply("Hello from /tmp"));
    assert(lines.some((line) => line.thinking), "no thinking lines");
    assertEquals(lines.at(-1)?.done, true);

    const check = spawnProcess(Deno.execPath(), entryPointArgs("healthcheck"), { cwd, env });
    const checked = await check.exited();
    assertEquals(checked.code, 0, check.output());
    assertMatch(check.output(), /^healthy: /);
  } finally {
    gateway.kill("SIGTERM");
    const status = await gateway.exited();
    await fake.close();
    await Deno.remove(cwd, { recursive: true });
    assertEquals(status.code, 0, gateway.output());
    assertMatch(gateway.output(), /Shutting down: answers in flight/);
    assert(!gateway.output().includes(TEST_KEY), "the configured key was printed");
  }
});
