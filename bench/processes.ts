/**
 * Child processes for the bench: each target and each fake Ollama runs as its own process, so
 * `/proc` attributes CPU and memory to it alone. {@link startProcess} starts one from the project
 * folder and waits until it accepts connections on its port; {@link denoTaskArgs} reads the flags
 * of a `deno.json` task, so the bench runs the gateway exactly as `deno task start` does.
 *
 * @module
 */

import { join } from "@std/path";

/** The project folder: children run from here, so they use its `deno.json`. */
export const PROJECT_DIR = join(import.meta.dirname!, "..");

/** A child process the bench started. */
export interface ChildProcess {
  pid: number;
  /** Stops it (SIGTERM) and waits until it has exited. */
  stop(): Promise<void>;
}

/** How long a child may take to listen before the bench gives up on it. */
const START_TIMEOUT_MS = 30_000;

/** A free port on 127.0.0.1, for a child that cannot be told to pick its own. */
export function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const { port } = listener.addr;
  listener.close();
  return port;
}

/** The arguments after `deno` of the `deno.json` task `name`, e.g. `["run", "--allow-net", …]`. */
export function denoTaskArgs(name: string): string[] {
  const config = JSON.parse(Deno.readTextFileSync(join(PROJECT_DIR, "deno.json")));
  const [command, ...args] = String(config.tasks?.[name] ?? "").split(/\s+/);
  if (command !== "deno") throw new Error(`deno.json task "${name}" must be a plain deno command`);
  return args;
}

/**
 * Runs `command args` from the project folder with `env` added to the bench's environment, and
 * resolves once it accepts TCP connections on `port`. Its output is discarded, except the end of
 * its stderr, which goes into the error if it exits or never listens.
 */
export async function startProcess(
  name: string,
  command: string,
  args: string[],
  env: Record<string, string>,
  port: number,
): Promise<ChildProcess> {
  const child = new Deno.Command(command, {
    args,
    env,
    cwd: PROJECT_DIR,
    stdin: "null",
    stdout: "null",
    stderr: "piped",
  }).spawn();
  let stderrTail = "";
  const stderrRead = child.stderr.pipeThrough(new TextDecoderStream()).pipeTo(
    new WritableStream({ write: (text) => void (stderrTail = (stderrTail + text).slice(-2000)) }),
  );
  let exited = false;
  const status = child.status.then((status) => {
    exited = true;
    return status;
  });
  const stop = async () => {
    if (!exited) child.kill("SIGTERM");
    await status;
    await stderrRead;
  };

  const deadline = Date.now() + START_TIMEOUT_MS;
  while (!(await accepts(port))) {
    if (exited || Date.now() > deadline) {
      await stop();
      throw new Error(
        `${name} did not start listening on port ${port}` +
          (stderrTail ? `; its stderr ends with:\n${stderrTail}` : ""),
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return { pid: child.pid, stop };
}

/** Whether something accepts TCP connections on 127.0.0.1:`port`. */
async function accepts(port: number): Promise<boolean> {
  try {
    (await Deno.connect({ hostname: "127.0.0.1", port })).close();
    return true;
  } catch {
    return false;
  }
}
