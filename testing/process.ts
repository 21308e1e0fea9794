/**
 * Test helpers for programs run as separate processes (the entry point, `start.sh`): a free port
 * to give them, their output collected as it comes, bounded waits for a line or for the exit, and
 * whether a process id still runs.
 *
 * @module
 */

import { tmpdir } from "node:os";
import { join } from "@std/path";
import { denoTasks, permissionFlags, REPO } from "./compile_task.ts";

/** A port nobody listens on right now, for a child process that needs one given up front. */
export function freePort(): number {
  // Never the same port twice in one run: two ports asked for before either is bound (Ollama's and
  // the gateway's, in start.sh's tests) could otherwise be one, and the second server fail.
  for (;;) {
    const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    const { port } = listener.addr;
    listener.close();
    if (handedOut.has(port)) continue;
    handedOut.add(port);
    return port;
  }
}

/** Ports {@link freePort} has given out in this process. */
const handedOut = new Set<number>();

/** A child process whose stdout and stderr are collected together as they arrive. */
export interface RunningProcess {
  pid: number;
  /** Everything it printed so far, stdout and stderr interleaved. */
  output(): string;
  /** Resolves with the first match of `pattern` in the output; rejects after `timeoutMs`. */
  waitForOutput(pattern: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  /** Resolves once it exited and its output is read; after `timeoutMs` it is killed, and rejects. */
  exited(timeoutMs?: number): Promise<Deno.CommandStatus>;
  kill(signal?: Deno.Signal): void;
}

/** Starts `command` with `args`, stdin closed and output collected. */
export function spawnProcess(
  command: string,
  args: string[],
  options: { cwd?: string; env?: Record<string, string>; clearEnv?: boolean } = {},
): RunningProcess {
  const child = new Deno.Command(command, {
    args,
    ...options,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  let output = "";
  const collect = async (stream: ReadableStream<Uint8Array>) => {
    const decoder = new TextDecoder();
    for await (const chunk of stream) output += decoder.decode(chunk, { stream: true });
  };
  const done = Promise.all([child.status, collect(child.stdout), collect(child.stderr)])
    .then(([status]) => status);
  let exited = false;
  done.then(() => exited = true);

  return {
    pid: child.pid,
    output: () => output,
    async waitForOutput(pattern, timeoutMs = 30_000) {
      const deadline = performance.now() + timeoutMs;
      for (;;) {
        const match = output.match(pattern);
        if (match) return match;
        if (exited || performance.now() > deadline) {
          throw new Error(
            `No ${pattern} in the output (${exited ? "process exited" : "timed out"}):\n${output}`,
          );
        }
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    },
    async exited(timeoutMs = 30_000) {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const timeout = new Promise<"timeout">((resolve) => {
        timer = setTimeout(() => resolve("timeout"), timeoutMs);
      });
      const first = await Promise.race([done, timeout]);
      clearTimeout(timer);
      if (first !== "timeout") return first;
      child.kill("SIGKILL");
      await child.status; // Not `done`: a process it started may still hold its output open.
      throw new Error(`Still running after ${timeoutMs} ms, killed. Output:\n${output}`);
    },
    kill(signal = "SIGTERM") {
      try {
        child.kill(signal);
      } catch {
        // It has already exited.
      }
    },
  };
}

/** Whether process `pid` still runs (exists and is not a zombie waiting to be reaped). */
export async function isRunning(pid: number): Promise<boolean> {
  // Deno lets only --allow-all read /proc/<pid>, so `cat` reads it.
  const { success, stdout } = await new Deno.Command("cat", {
    args: [`/proc/${pid}/stat`],
    stdout: "piped",
    stderr: "null",
  }).output();
  const stat = new TextDecoder().decode(stdout);
  return success && stat.slice(stat.lastIndexOf(")") + 2)[0] !== "Z";
}

/**
 * `main.ts` run as `deno task start` runs it (its flags, the project's deno.json) from `cwd`
 * (default: the system temporary folder, outside the repository), seeing only `env` plus what
 * Deno itself needs, on a free port. `launcher` goes before Deno's command line, such as
 * `["prlimit", "--nofile=200:200"]` to run it with fewer file descriptors.
 */
export function runMain(
  env: Record<string, string>,
  { cwd = tmpdir(), launcher = [] as string[] } = {},
): RunningProcess & { url: string } {
  const port = env.PORT ?? String(freePort());
  const inherited = ["HOME", "PATH", "DENO_DIR"].flatMap((name) => {
    const value = Deno.env.get(name);
    return value === undefined ? [] : [[name, value]];
  });
  const [command, ...launcherArgs] = [...launcher, Deno.execPath()];
  const process = spawnProcess(
    command,
    [
      ...launcherArgs,
      "run",
      `--config=${join(REPO, "deno.json")}`,
      ...permissionFlags(denoTasks().start),
      join(REPO, "main.ts"),
    ],
    {
      cwd,
      env: {
        ...Object.fromEntries(inherited),
        NO_COLOR: "1",
        HOST: "127.0.0.1",
        PORT: port,
        ...env,
      },
      clearEnv: true,
    },
  );
  return { ...process, url: `http://127.0.0.1:${port}` };
}
