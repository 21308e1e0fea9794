/**
 * `start.sh`, run for real with stand-ins first on `PATH`: `ollama` is `testing/bin/ollama`
 * (its `serve` runs the fake Ollama on OLLAMA_HOST's free port; `show`/`pull` ask it like the real
 * CLI) and GATEWAY_BIN is `testing/bin/ollamaspace`, which runs `main.ts` with the compile
 * task's permission flags. Both wrappers append each call to a record file, so the tests see the
 * order of events and the process ids to kill.
 */

import { assert, assertEquals, assertMatch } from "@std/assert";
import { join } from "@std/path";
import { defaultReply } from "../../testing/fake_ollama/mod.ts";
import { compileTask, REPO } from "../../testing/compile_task.ts";
import { freePort, isRunning, type RunningProcess, spawnProcess } from "../../testing/process.ts";
import { answerText, readNdjson } from "../../testing/gateway.ts";

/** One call of a stand-in, from the record file. */
interface Call {
  who: "ollama" | "gateway";
  pid: number;
  args: string;
}

/** A running `start.sh` and what it is wired to. */
interface StartSh {
  process: RunningProcess;
  /** The gateway's base URL. */
  url: string;
  /** The stand-ins' calls so far, in order. */
  calls(): Call[];
  /** Process id of the first call whose `who args` is `line`. */
  pidOf(line: string): number;
  /** Kills whatever still runs (after a failed assertion) and removes the temporary folder. */
  cleanUp(): Promise<void>;
}

/** Starts `start.sh` from a temporary folder, with the stand-ins and `env` on top. */
async function startStartSh(env: Record<string, string> = {}): Promise<StartSh> {
  const dir = await Deno.makeTempDir({ prefix: "ollamaspace-start-sh-" });
  const record = join(dir, "calls.txt");
  const bin = join(REPO, "testing", "bin");
  const port = freePort();
  const process = spawnProcess(join(REPO, "start.sh"), [], {
    cwd: dir,
    env: {
      PATH: `${bin}:${Deno.env.get("PATH")}`,
      DENO_BIN: Deno.execPath(),
      STANDIN_RECORD: record,
      GATEWAY_BIN: join(bin, "ollamaspace"),
      GATEWAY_FLAGS: compileTask().permissionFlags.join(" "),
      OLLAMA_HOST: `127.0.0.1:${freePort()}`,
      OLLAMA_MODEL: "qwen3:4b",
      OLLAMA_API_KEY: "",
      HOST: "127.0.0.1",
      PORT: String(port),
      NO_COLOR: "1",
      ...env,
    },
  });
  const calls = (): Call[] => {
    let text = "";
    try {
      text = Deno.readTextFileSync(record);
    } catch {
      // Nothing called yet.
    }
    return text.split("\n").filter(Boolean).map((line) => {
      const [who, pid, ...args] = line.split(" ");
      return { who: who as Call["who"], pid: Number(pid), args: args.join(" ").trim() };
    });
  };
  return {
    process,
    url: `http://127.0.0.1:${port}`,
    calls,
    pidOf(line) {
      const call = calls().find((call) => `${call.who} ${call.args}`.trim() === line);
      assert(call, `no call "${line}" in ${JSON.stringify(calls())}`);
      return call.pid;
    },
    async cleanUp() {
      // The stand-ins first: they hold start.sh's output open until they are gone.
      for (const { pid } of calls()) {
        if (await isRunning(pid)) Deno.kill(pid, "SIGKILL");
      }
      process.kill("SIGKILL");
      await process.exited().catch(() => {});
      await Deno.remove(dir, { recursive: true });
    },
  };
}

/** The calls as `who args` lines, without the process ids. */
function lines(calls: Call[]): string[] {
  return calls.map(({ who, args }) => `${who} ${args}`.trim());
}

/** Sends SIGTERM to `start.sh` and asserts it stops both processes and exits 0. */
async function assertStopsCleanly(startSh: StartSh) {
  const ollama = startSh.pidOf("ollama serve");
  const gateway = startSh.pidOf("gateway");
  startSh.process.kill("SIGTERM");
  const status = await startSh.process.exited();
  const output = startSh.process.output();
  assertEquals(status.code, 0, output);
  assertMatch(output, /ollama stand-in: stopped on SIGTERM/);
  assertMatch(output, /Shutting down: answers in flight/);
  assertEquals(await isRunning(ollama), false, "ollama serve still runs");
  assertEquals(await isRunning(gateway), false, "the gateway still runs");
}

Deno.test("start.sh waits for Ollama, pulls a missing model, serves the gateway and loads the model; SIGTERM stops both", async () => {
  const startSh = await startStartSh({
    STANDIN_OLLAMA_MODELS: "llama3.2:1b",
    // Ollama takes a while to answer: everything after the wait relies on it being up.
    STANDIN_OLLAMA_START_DELAY_MS: "800",
  });
  try {
    const [, key] = await startSh.process.waitForOutput(/API key: (\S+)/);
    await startSh.process.waitForOutput(/OllamaSpace listening on/);
    await startSh.process.waitForOutput(/qwen3:4b is loaded \(after/);

    const calls = lines(startSh.calls());
    const at = (line: string) => calls.indexOf(line);
    const expected = [
      "ollama serve",
      "gateway wait-for-ollama --timeout 120",
      "ollama show qwen3:4b",
      "gateway pull-model qwen3:4b",
      "gateway",
      "gateway preload-model qwen3:4b",
    ];
    assertEquals([...calls].sort(), [...expected].sort());
    assert(at("ollama serve") < at("ollama show qwen3:4b"), calls.join(", "));
    assert(at("gateway wait-for-ollama --timeout 120") < at("ollama show qwen3:4b"));
    assert(at("ollama show qwen3:4b") < at("gateway pull-model qwen3:4b"));
    assert(at("gateway pull-model qwen3:4b") < at("gateway"));
    // The gateway and the preload start together, so their records may come in either order.

    const output = startSh.process.output();
    const order = [
      "Ollama is up at",
      "pulling manifest",
      "success",
      "starting the gateway",
      "loading qwen3:4b into memory beside the gateway",
    ];
    const positions = order.map((text) => output.indexOf(text));
    assert(positions.every((position) => position >= 0), output);
    assertEquals([...positions].sort((a, b) => a - b), positions, output);
    // The pull's progress is plain lines, without the escapes `ollama pull` redraws its bar with.
    assert(!output.includes("\x1b"), "terminal escapes in the log");
    assertMatch(output, /^pulling b{12}: 500 B of 1\.0 kB \(50%\)$/m);

    // The preload asks for the window the gateway asks for first (see tests/cli.test.ts).
    assertMatch(output, /Loading qwen3:4b into memory \(context window 4096 tokens\)/);

    // The whole chain answers: gateway → OLLAMA_URL derived from OLLAMA_HOST → the fake.
    const health = await (await fetch(`${startSh.url}/healthz`)).json();
    assertEquals(Object.keys(health), ["status", "ollama", "model", "model_loaded"]);
    assertEquals([health.ollama, health.model], ["up", "qwen3:4b"]);
    const response = await fetch(`${startSh.url}/chat_api`, {
      method: "POST",
      headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
      body: JSON.stringify({ prompt: "Hi", think: false }),
    });
    assertEquals(response.status, 200);
    const answer = answerText(await readNdjson(response));
    assertEquals(answer, defaultReply("Hi"));

    await assertStopsCleanly(startSh);
  } finally {
    await startSh.cleanUp();
  }
});

Deno.test("start.sh does not pull a model that is installed, and reaches Ollama bound to 0.0.0.0 via loopback", async () => {
  const ollamaPort = freePort();
  const startSh = await startStartSh({
    STANDIN_OLLAMA_MODELS: "qwen3:4b",
    OLLAMA_HOST: `0.0.0.0:${ollamaPort}`,
  });
  try {
    await startSh.process.waitForOutput(/OllamaSpace listening on/);
    assertMatch(startSh.process.output(), new RegExp(`Ollama at http://127.0.0.1:${ollamaPort}`));
    assertMatch(startSh.process.output(), /model qwen3:4b is installed/);
    await startSh.process.waitForOutput(/qwen3:4b is loaded/);
    assertEquals(
      lines(startSh.calls()).filter((line) => line !== "ollama serve").sort(),
      [
        "gateway",
        "gateway preload-model qwen3:4b",
        "gateway wait-for-ollama --timeout 120",
        "ollama show qwen3:4b",
      ],
    );
    const health = await (await fetch(`${startSh.url}/healthz`)).json();
    assertEquals([health.ollama, health.model_loaded], ["up", true]);
    await assertStopsCleanly(startSh);
  } finally {
    await startSh.cleanUp();
  }
});

Deno.test("start.sh keeps models loaded unless told otherwise, and keeps the API key from Ollama", async () => {
  for (const [keepAlive, expected] of [[undefined, "-1"], ["10m", "10m"]] as const) {
    const startSh = await startStartSh({
      STANDIN_OLLAMA_MODELS: "qwen3:4b",
      OLLAMA_API_KEY: "a-long-secret-key-1234",
      ...(keepAlive && { OLLAMA_KEEP_ALIVE: keepAlive }),
    });
    try {
      await startSh.process.waitForOutput(/OllamaSpace listening on/);
      const output = startSh.process.output();
      assertMatch(output, new RegExp(`OLLAMA_KEEP_ALIVE=${expected}, OLLAMA_API_KEY unset`));
      assert(!output.includes("a-long-secret-key-1234"), "the key is in the log");
      // The gateway still has it.
      const models = await fetch(`${startSh.url}/api/tags`, {
        headers: { authorization: "Bearer a-long-secret-key-1234" },
      });
      assertEquals(models.status, 200);
      await models.body?.cancel();
      await assertStopsCleanly(startSh);
    } finally {
      await startSh.cleanUp();
    }
  }
});

Deno.test("start.sh trusts one proxy on a Space (SPACE_ID set), none elsewhere, and raises the open-file limit", async () => {
  const hard = (await new Deno.Command("bash", { args: ["-c", "ulimit -Hn"] }).output()).stdout;
  for (
    const [env, trusted] of [
      [{ SPACE_ID: "someone/ollamaspace" }, "1"],
      [{}, "0"],
      [{ SPACE_ID: "someone/ollamaspace", TRUST_PROXY: "2" }, "2"],
    ] as const
  ) {
    const startSh = await startStartSh({ STANDIN_OLLAMA_MODELS: "qwen3:4b", ...env });
    try {
      await startSh.process.waitForOutput(/OllamaSpace listening on/);
      const output = startSh.process.output();
      assertMatch(output, new RegExp(`TRUST_PROXY=${trusted}, `), JSON.stringify(env));
      assertMatch(
        output,
        new RegExp(`open-file limit ${new TextDecoder().decode(hard).trim()}\\)`),
      );
      await assertStopsCleanly(startSh);
    } finally {
      await startSh.cleanUp();
    }
  }
});

Deno.test("start.sh gives up with a clear message when Ollama does not answer in time", async () => {
  const startSh = await startStartSh({
    STANDIN_OLLAMA_SERVE: "unresponsive",
    OLLAMA_START_TIMEOUT: "1",
  });
  try {
    const status = await startSh.process.exited();
    const output = startSh.process.output();
    assertEquals(status.code, 1, output);
    assertMatch(output, /Ollama did not answer at http:\/\/127\.0\.0\.1:\d+ within 1 s/);
    assertMatch(output, /Ollama is not answering, so OllamaSpace cannot start; stopping/);
    assertEquals(
      lines(startSh.calls()).sort(),
      ["gateway wait-for-ollama --timeout 1", "ollama serve"],
    );
    assertEquals(await isRunning(startSh.pidOf("ollama serve")), false, "ollama serve still runs");
  } finally {
    await startSh.cleanUp();
  }
});

for (const victim of ["ollama serve", "gateway"] as const) {
  Deno.test(`start.sh exits non-zero and stops the other process when ${victim} dies`, async () => {
    const startSh = await startStartSh({ STANDIN_OLLAMA_MODELS: "qwen3:4b" });
    try {
      await startSh.process.waitForOutput(/OllamaSpace listening on/);
      const survivor = startSh.pidOf(victim === "gateway" ? "ollama serve" : "gateway");
      Deno.kill(startSh.pidOf(victim), "SIGKILL");

      const status = await startSh.process.exited();
      const output = startSh.process.output();
      assertEquals(status.code, 1, output);
      const name = victim === "gateway" ? "the gateway" : "ollama serve";
      assertMatch(output, new RegExp(`${name} exited \\(status 137\\); stopping the container`));
      assertEquals(await isRunning(survivor), false, "the other process still runs");
    } finally {
      await startSh.cleanUp();
    }
  });
}
