/**
 * The binary's helper commands (`cli.ts`), in this process: `wait-for-ollama`, `pull-model`,
 * `preload-model` and `healthcheck` against the fake Ollama and a test gateway, and what they say
 * when things fail.
 */

import { PROBE_ANSWER_MS } from "../ollama/shared_answer.ts";
import { assert, assertEquals, assertMatch } from "@std/assert";
import { loadConfig } from "../config.ts";
import { runCommand, waitForOllama } from "../cli.ts";
import { startFakeOllama } from "../testing/fake_ollama/mod.ts";
import { startGateway, TEST_KEY } from "../testing/gateway.ts";
import { freePort } from "../testing/process.ts";

/** Runs `action` with console output captured; returns its result and what it printed. */
async function captureConsole<T>(action: () => Promise<T>): Promise<[T, string]> {
  const { log, error } = console;
  let printed = "";
  console.log = console.error = (...parts: unknown[]) => printed += parts.join(" ") + "\n";
  try {
    return [await action(), printed];
  } finally {
    Object.assign(console, { log, error });
  }
}

const configFor = (env: Record<string, string>) => loadConfig({ OLLAMA_API_KEY: TEST_KEY, ...env });

Deno.test("wait-for-ollama returns 0 once an Ollama that starts late answers", async () => {
  const port = freePort();
  let fake: ReturnType<typeof startFakeOllama> | undefined;
  const starting = setTimeout(() => fake = startFakeOllama({ port }), 500);
  try {
    const config = configFor({ OLLAMA_URL: `http://127.0.0.1:${port}` });
    const [status, printed] = await captureConsole(() =>
      runCommand(["wait-for-ollama", "--timeout", "10"], config)
    );
    assertEquals(status, 0, printed);
    assert(fake, "answered before Ollama started");
    assertEquals(fake.requests.map((r) => `${r.method} ${r.path}`), ["GET /"]);
    assertMatch(printed, new RegExp(`Ollama is up at http://127.0.0.1:${port}`));
  } finally {
    clearTimeout(starting);
    await fake?.close();
  }
});

Deno.test("wait-for-ollama gives up after its timeout on a server that never answers", async () => {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const held: Deno.Conn[] = [];
  const accepting = (async () => {
    for await (const connection of listener) held.push(connection);
  })();
  try {
    const url = `http://127.0.0.1:${listener.addr.port}`;
    const started = performance.now();
    const [ready, printed] = await captureConsole(() => waitForOllama(url, 700));
    const elapsed = performance.now() - started;
    assertEquals(ready, false);
    assert(elapsed >= 700 && elapsed < 5_000, `gave up after ${elapsed} ms`);
    assertMatch(printed, new RegExp(`Ollama did not answer at ${url} within 0.7 s`));
  } finally {
    listener.close();
    await accepting;
    for (const connection of held) connection.close();
  }
});

Deno.test("healthcheck returns 0 only while the gateway answers and reaches Ollama", async () => {
  const fake = startFakeOllama();
  const gateway = startGateway(fake.url);
  try {
    const config = { ...gateway.config, host: "0.0.0.0", port: Number(new URL(gateway.url).port) };
    const [up, upPrinted] = await captureConsole(() => runCommand(["healthcheck"], config));
    assertEquals(up, 0, upPrinted);
    assertMatch(upPrinted, /healthy: .*"ollama":"up"/);

    await fake.close();
    // Probes share one answer about Ollama for PROBE_ANSWER_MS: let the "up" one grow old.
    await new Promise((resolve) => setTimeout(resolve, PROBE_ANSWER_MS + 100));
    const [down, downPrinted] = await captureConsole(() => runCommand(["healthcheck"], config));
    assertEquals(down, 1, downPrinted);
    assertMatch(downPrinted, /unhealthy: .*"ollama":"down"/);

    await gateway.close();
    const [gone, gonePrinted] = await captureConsole(() => runCommand(["healthcheck"], config));
    assertEquals(gone, 1);
    assertMatch(gonePrinted, /unhealthy: http:\/\/127\.0\.0\.1:\d+\/healthz did not answer/);
    assert(!`${upPrinted}${downPrinted}${gonePrinted}`.includes(TEST_KEY), "printed the key");
  } finally {
    await gateway.close().catch(() => {});
    await fake.close().catch(() => {});
  }
});

Deno.test("--help prints the usage; a command line the binary does not understand is status 2", async () => {
  const config = configFor({ PORT: String(freePort()) });
  const [helped, help] = await captureConsole(() => runCommand(["--help"], config));
  assertEquals(helped, 0);
  assertMatch(help, /^Usage:\n {2}ollamaspace /);

  for (
    const [args, problem] of [
      [["serve-please"], /unknown command "serve-please"/],
      [["wait-for-ollama", "--timeout", "soon"], /--timeout and a number of seconds above 0/],
      [["wait-for-ollama", "--timeout", "0"], /--timeout and a number of seconds above 0/],
      [["healthcheck", "--verbose"], /healthcheck takes no options/],
      [["pull-model"], /pull-model takes one model name/],
      [["preload-model", "a", "b"], /preload-model takes one model name/],
    ] as const
  ) {
    const [status, printed] = await captureConsole(() => runCommand([...args], config));
    assertEquals(status, 2, args.join(" "));
    assertMatch(printed, problem);
    assertMatch(printed, /Usage:\n {2}ollamaspace /);
  }
});

Deno.test("pull-model pulls through Ollama's API and prints plain lines, each stage once", async () => {
  const fake = startFakeOllama({ models: [] });
  try {
    const config = configFor({ OLLAMA_URL: fake.url });
    const [status, printed] = await captureConsole(() =>
      runCommand(["pull-model", "qwen3:4b"], config)
    );
    assertEquals(status, 0, printed);
    assertEquals(printed.split("\n").filter(Boolean), [
      "pulling manifest",
      "pulling bbbbbbbbbbbb: 500 B of 1.0 kB (50%)",
      "verifying sha256 digest",
      "writing manifest",
      "success",
    ]);
    assertEquals(fake.requests.map((r) => [r.path, r.body]), [
      ["/api/pull", { model: "qwen3:4b", stream: true }],
    ]);
    assertEquals(fake.options.models, ["qwen3:4b"]);
  } finally {
    await fake.close();
  }
});

Deno.test("preload-model loads the model with the gateway's first context window, and says why it could not", async () => {
  const fake = startFakeOllama();
  try {
    const config = configFor({ OLLAMA_URL: fake.url });
    const [loaded, printed] = await captureConsole(() =>
      runCommand(["preload-model", "qwen3:4b"], config)
    );
    assertEquals(loaded, 0, printed);
    assertMatch(printed, /Loading qwen3:4b into memory \(context window 4096 tokens\)/);
    assertMatch(printed, /qwen3:4b is loaded \(after \d+\.\d s\)/);
    const load = fake.requests.find((r) => r.path === "/api/generate")!;
    // No prompt: Ollama only loads the model.
    assertEquals(load.body, { model: "qwen3:4b", stream: false, options: { num_ctx: 4096 } });

    fake.options.scenario = "out-of-memory";
    const [failed, why] = await captureConsole(() =>
      runCommand(["preload-model", "qwen3:4b"], config)
    );
    assertEquals(failed, 1);
    assertMatch(
      why,
      /Could not load qwen3:4b: Ollama: model requires more system memory .* smaller/,
    );
  } finally {
    await fake.close();
  }
});
