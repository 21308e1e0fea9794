/**
 * Start-up time of the gateway: from spawning the entry point (`deno run` with the compile task's
 * permission flags, from another working directory, as in the tests) to its first `/healthz` 200,
 * with the fake Ollama up. Prints every run and the median.
 *
 * ```
 * deno task bench:startup [runs]     (default 9)
 * ```
 *
 * @module
 */

import { join } from "@std/path";
import { compileTask, REPO } from "../testing/compile_task.ts";
import { startFakeOllama } from "../testing/fake_ollama/mod.ts";
import { freePort } from "../testing/process.ts";

/** Milliseconds from spawning the gateway to its first `/healthz` 200. */
async function measureOnce(ollamaUrl: string, cwd: string): Promise<number> {
  const { permissionFlags, entry } = compileTask();
  const port = freePort();
  const url = `http://127.0.0.1:${port}/healthz`;
  const started = performance.now();
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "--config", join(REPO, "deno.json"), ...permissionFlags, join(REPO, entry)],
    cwd,
    env: {
      PORT: String(port),
      HOST: "127.0.0.1",
      OLLAMA_URL: ollamaUrl,
      OLLAMA_API_KEY: "bench-key-0123456789",
    },
    stdin: "null",
    stdout: "null",
    stderr: "null",
  }).spawn();
  try {
    while (performance.now() - started < 10_000) {
      const response = await fetch(url).catch(() => undefined);
      await response?.body?.cancel();
      if (response?.status === 200) return performance.now() - started;
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
    throw new Error("no /healthz 200 within 10 s");
  } finally {
    child.kill("SIGTERM");
    await child.status;
  }
}

if (import.meta.main) {
  const runs = Number(Deno.args[0] ?? 9);
  const fake = startFakeOllama();
  const cwd = await Deno.makeTempDir({ prefix: "ollamaspace-bench-" });
  const times: number[] = [];
  try {
    for (let run = 1; run <= runs; run++) {
      times.push(await measureOnce(fake.url, cwd));
      console.log(`run ${run}: ${times.at(-1)!.toFixed(1)} ms`);
    }
  } finally {
    await fake.close();
    await Deno.remove(cwd, { recursive: true });
  }
  const sorted = times.toSorted((a, b) => a - b);
  const median = sorted[Math.floor((sorted.length - 1) / 2)];
  console.log(
    `median ${median.toFixed(1)} ms over ${runs} runs (min ${sorted[0].toFixed(1)}, ` +
      `max ${sorted.at(-1)!.toFixed(1)})`,
  );
}
