/**
 * Test helper: `main.ts` run as its own process, as `deno task start` runs it (the task's
 * permission flags, the project's `deno.json`), from another working directory, with its output
 * collected line by line.
 *
 * @module
 */

import { join } from "node:path";

const ROOT = join(import.meta.dirname!, "..", "..");

/** A running gateway process. */
export interface MainProcess {
  url: string;
  port: number;
  process: Deno.ChildProcess;
  /** Everything it has written so far, stdout and stderr, one entry a line. */
  output: string[];
  /** Resolves when both output streams have ended. */
  outputDone: Promise<void>;
  /** Kills the process if it still runs, and waits for it and its output to end. */
  cleanUp(): Promise<void>;
}

/** The flags `deno task start` gives `deno run`, read from `deno.json`. */
function startFlags(): string[] {
  const { tasks } = JSON.parse(Deno.readTextFileSync(join(ROOT, "deno.json")));
  return tasks.start.split(" ").filter((word: string) => word.startsWith("--"));
}

/** A port free right now, for a process that cannot be told to pick one itself. */
function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const { port } = listener.addr;
  listener.close();
  return port;
}

/** Starts `main.ts` with `env` (plus PORT and HOST) and nothing else from this environment. */
export function startMain(env: Record<string, string>): MainProcess {
  const port = freePort();
  const process = new Deno.Command(Deno.execPath(), {
    args: ["run", ...startFlags(), "--config", join(ROOT, "deno.json"), join(ROOT, "main.ts")],
    cwd: "/",
    clearEnv: true,
    env: {
      HOME: Deno.env.get("HOME") ?? "/root",
      PATH: Deno.env.get("PATH") ?? "",
      ...(Deno.env.get("DENO_DIR") && { DENO_DIR: Deno.env.get("DENO_DIR")! }),
      NO_COLOR: "1",
      PORT: String(port),
      HOST: "127.0.0.1",
      ...env,
    },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const output: string[] = [];
  const collect = async (stream: ReadableStream<Uint8Array>) => {
    let partial = "";
    const decoder = new TextDecoder();
    for await (const chunk of stream) {
      const text = decoder.decode(chunk, { stream: true });
      const lines = (partial + text).split("\n");
      partial = lines.pop()!;
      output.push(...lines);
    }
    if (partial) output.push(partial);
  };
  const outputDone = Promise.all([collect(process.stdout), collect(process.stderr)]).then(() => {});
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    process,
    output,
    outputDone,
    async cleanUp() {
      try {
        process.kill("SIGKILL");
      } catch {
        // It has exited already.
      }
      await process.status;
      await outputDone;
    },
  };
}
