/**
 * The entry point as the compiled binary will run it: `deno compile` cannot run here (it downloads
 * Deno's runtime), so this runs `main.ts` with the compile task's permission flags from another
 * working directory, and checks that the whole app works from there: the page, a static asset,
 * `/healthz`, a streamed `/chat_api` answer from the fake Ollama, the `healthcheck` command, and
 * a clean stop on SIGTERM.
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { compileTask, REPO } from "./support/compile_task.ts";
import { defaultReply, startFakeOllama } from "./support/fake_ollama.ts";
import { answerText, readNdjson, TEST_KEY } from "./support/gateway.ts";
import { freePort, spawnProcess } from "./support/process.ts";

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
    assert.equal(page.status, 200);
    assert.match(page.headers.get("content-type")!, /^text\/html/);
    assert.equal(await page.text(), Deno.readTextFileSync(join(REPO, "static", "chat.html")));

    const style = await fetch(`${base}/static/style.css`);
    assert.equal(style.status, 200);
    assert.match(style.headers.get("content-type")!, /^text\/css/);
    assert.equal(await style.text(), Deno.readTextFileSync(join(REPO, "static", "style.css")));

    const health = await fetch(`${base}/healthz`);
    assert.deepEqual(await health.json(), { status: "ok", ollama: "up", model: "qwen3:4b" });

    const chat = await fetch(`${base}/chat_api`, {
      method: "POST",
      headers: { authorization: `Bearer ${TEST_KEY}`, "content-type": "application/json" },
      body: JSON.stringify({ prompt: "Hello from /tmp" }),
    });
    assert.equal(chat.status, 200);
    assert.match(chat.headers.get("content-type")!, /^application\/x-ndjson/);
    const lines = await readNdjson(chat);
    assert.equal(answerText(lines), defaultReply("Hello from /tmp"));
    assert.ok(lines.some((line) => line.thinking), "no thinking lines");
    assert.equal(lines.at(-1)?.done, true);

    const check = spawnProcess(Deno.execPath(), entryPointArgs("healthcheck"), { cwd, env });
    const checked = await check.exited();
    assert.equal(checked.code, 0, check.output());
    assert.match(check.output(), /^healthy: /);
  } finally {
    gateway.kill("SIGTERM");
    const status = await gateway.exited();
    await fake.close();
    await Deno.remove(cwd, { recursive: true });
    assert.equal(status.code, 0, gateway.output());
    assert.match(gateway.output(), /Shutting down: answers in flight/);
    assert.ok(!gateway.output().includes(TEST_KEY), "the configured key was printed");
  }
});
