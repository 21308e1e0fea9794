/**
 * Graceful shutdown of the real entry point: `main.ts` in its own process, a fake Ollama here,
 * answers in flight, then SIGTERM.
 */

import { assert, assertEquals, assertMatch } from "@std/assert";
import { defaultReply, type FakeOllama, startFakeOllama } from "../../testing/fake_ollama/mod.ts";
import { answerText, postChat, readNdjson, TEST_KEY, waitFor } from "../../testing/gateway.ts";
import { REPO } from "../../testing/compile_task.ts";
import { freePort, runMain, spawnProcess } from "../../testing/process.ts";
import { SIGNAL_ECHO_MS } from "../../server/shutdown.ts";

const PROMPT = "PROMPT-CANARY shut down gently";

const AUTHORIZED = { authorization: `Bearer ${TEST_KEY}`, "content-type": "application/json" };

function chat(gateway: { url: string }, prompt = PROMPT): Promise<Response> {
  return postChat({ url: gateway.url, headers: AUTHORIZED }, { prompt }, {
    // Bounded, so an answer the shutdown forgets fails the test instead of hanging it.
    signal: AbortSignal.timeout(20_000),
  });
}

/** Sends a signal with `kill`, which can signal a whole process group (`-<pgid>`). */
async function signal(name: string, target: string): Promise<void> {
  const args = [`-${name}`, "--", target];
  const kill = await new Deno.Command("kill", { args, stderr: "piped" }).output();
  assert(kill.success, new TextDecoder().decode(kill.stderr));
}

/** Whether a new TCP connection to the port of `url` is refused. */
async function refusesConnections(url: string): Promise<boolean> {
  try {
    (await Deno.connect({ hostname: "127.0.0.1", port: Number(new URL(url).port) })).close();
    return false;
  } catch (error) {
    return error instanceof Deno.errors.ConnectionRefused;
  }
}

/**
 * Runs `test` against `main.ts` in its own process with a grace period of `graceSeconds`, in front
 * of a fake Ollama that holds back each answer's last token: listening before `test` starts, both
 * ended after.
 */
async function withMain(
  graceSeconds: number,
  test: (gateway: ReturnType<typeof runMain>, fake: FakeOllama) => Promise<void>,
): Promise<void> {
  const fake = startFakeOllama({ scenario: "hold-last-token" });
  const gateway = runMain({
    OLLAMA_URL: fake.url,
    OLLAMA_API_KEY: TEST_KEY,
    SHUTDOWN_GRACE_S: String(graceSeconds),
    // Three answers run at once, as an Ollama with OLLAMA_NUM_PARALLEL=3 gives them.
    OLLAMA_NUM_PARALLEL: "3",
  });
  try {
    await gateway.waitForOutput(/listening on/);
    await test(gateway, fake);
  } finally {
    gateway.kill("SIGKILL");
    await gateway.exited();
    await fake.close();
  }
}

Deno.test("SIGTERM: no new connections, answers in flight finish, exit code 0", async () => {
  await withMain(60, async (gateway, fake) => {
    const answers = await Promise.all([chat(gateway), chat(gateway)]);
    await waitFor(() => fake.held === 2, "both answers at their last token");

    gateway.kill("SIGTERM");
    await gateway.waitForOutput(/Shutting down/, 10_000);
    assert(await refusesConnections(gateway.url), "new connections are refused");

    fake.releaseLastToken();
    for (const answer of answers) {
      const lines = await readNdjson(answer);
      assertEquals(lines.at(-1)?.done, true);
      assertEquals(answerText(lines), defaultReply(PROMPT));
    }
    assertEquals((await gateway.exited()).code, 0);
    assert(!/Ending the answers/.test(gateway.output()), "within grace");
    assertEquals(fake.disconnects.length, 0);

    const log = gateway.output();
    assertMatch(log, /POST \/chat_api 200 \d+ms model="qwen3:4b" tokens=\d+/);
    assert(!log.includes(TEST_KEY) && !log.includes("CANARY"), log);
  });
});

Deno.test("past the grace period answers end with an error line, Ollama is told, exit code 0", async () => {
  await withMain(1, async (gateway, fake) => {
    const answers = await Promise.all([chat(gateway), chat(gateway)]);
    await waitFor(() => fake.held === 2, "both answers at their last token");
    // And one still waiting for Ollama to begin (a model loading).
    fake.options.scenario = "hang-before-headers";
    const asked = fake.requests.length;
    const waiting = chat(gateway);
    await waitFor(() => fake.requests.length > asked, "the third request to reach Ollama");

    gateway.kill("SIGTERM");
    for (const answer of answers) {
      const lines = await readNdjson(answer);
      assertMatch(String(lines.at(-1)?.error), /shutting down/);
      assert(lines.slice(0, -1).every((line) => !line.done && !line.error));
    }
    // It waited longer than a second (the grace) for Ollama to begin: it had its status lines.
    const refused = await readNdjson(await waiting);
    assertEquals(refused[0], { status: "waiting", elapsed_s: refused[0].elapsed_s });
    assertMatch(String(refused.at(-1)?.error), /shutting down/);

    assertEquals((await gateway.exited()).code, 0);
    await waitFor(() => fake.disconnects.length === 3, "Ollama to see all three requests go");
    assertMatch(gateway.output(), /Ending the answers still running/);
  });
});

Deno.test("a second signal ends the grace period at once", async () => {
  await withMain(60, async (gateway, fake) => {
    const answer = await chat(gateway);
    await waitFor(() => fake.held === 1, "the answer at its last token");

    gateway.kill("SIGTERM");
    await gateway.waitForOutput(/Shutting down/, 10_000);
    gateway.kill("SIGINT");
    assertMatch(String((await readNdjson(answer)).at(-1)?.error), /shutting down/);
    assertEquals((await gateway.exited()).code, 0);
    await fake.nextDisconnect();
  });
});

Deno.test("the same signal again, once a moment has passed, is a second request: it ends at once", async () => {
  await withMain(60, async (gateway, fake) => {
    const answer = await chat(gateway);
    await waitFor(() => fake.held === 1, "the answer at its last token");

    gateway.kill("SIGINT");
    await gateway.waitForOutput(/Shutting down/, 10_000);
    // Past the window in which a copy of the first is taken for an echo (a person pressing
    // Ctrl-C twice): the order matters here, not the time.
    await new Promise((resolve) => setTimeout(resolve, SIGNAL_ECHO_MS + 200));
    gateway.kill("SIGINT");
    assertMatch(String((await readNdjson(answer)).at(-1)?.error), /shutting down/);
    assertEquals((await gateway.exited()).code, 0);
    await fake.nextDisconnect();
  });
});

Deno.test("SIGTERM to the process group of `deno task start` is one stop request: answers finish", async () => {
  const fake = startFakeOllama({ scenario: "hold-last-token" });
  const port = freePort();
  const inherited = ["HOME", "PATH", "DENO_DIR"].flatMap((name) => {
    const value = Deno.env.get(name);
    return value === undefined ? [] : [[name, value]];
  });
  // `setsid` puts the task in a process group of its own, led by `deno task`, as a service
  // manager does; `kill -TERM -<group>` then reaches the task and the gateway it runs.
  const task = spawnProcess("setsid", [Deno.execPath(), "task", "start"], {
    cwd: REPO,
    env: {
      ...Object.fromEntries(inherited),
      NO_COLOR: "1",
      HOST: "127.0.0.1",
      PORT: String(port),
      OLLAMA_URL: fake.url,
      OLLAMA_API_KEY: TEST_KEY,
      SHUTDOWN_GRACE_S: "60",
      LOG_LEVEL: "debug",
      OLLAMA_NUM_PARALLEL: "2", // Both answers run at once.
    },
    clearEnv: true,
  });
  const gateway = { url: `http://127.0.0.1:${port}` };
  try {
    await task.waitForOutput(/listening on/);
    const answers = await Promise.all([chat(gateway), chat(gateway)]);
    await waitFor(() => fake.held === 2, "both answers at their last token");

    await signal("TERM", `-${task.pid}`);
    await task.waitForOutput(/Shutting down/, 10_000);
    // Two copies of one SIGTERM that arrive together merge into one pending signal, so whether the
    // gateway sees the group's and the one `deno task` forwards separately depends on timing. The
    // forwarded copy, sent once the first was handled, makes sure it does.
    await signal("TERM", String(task.pid));
    await task.waitForOutput(/SIGTERM again within \d+ ms: the same stop request/, 10_000);

    fake.releaseLastToken();
    for (const answer of answers) {
      const lines = await readNdjson(answer);
      assertEquals(lines.at(-1)?.done, true, JSON.stringify(lines.at(-1)));
      assertEquals(answerText(lines), defaultReply(PROMPT));
    }
    await task.exited();
    assert(!/Ending the answers/.test(task.output()), task.output());
    assertEquals(fake.disconnects.length, 0);
  } finally {
    // The whole group: a failed assertion must not leave the gateway running without its task.
    await signal("KILL", `-${task.pid}`).catch(() => {});
    await task.exited().catch(() => {});
    await fake.close();
  }
});
