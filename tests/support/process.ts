/**
 * Test helpers: the gateway's entry point (`main.ts`) run as a real process, the way
 * `deno task start` runs it.
 *
 * @module
 */

import { fileURLToPath } from "node:url";

/** The repository's root folder. */
export const REPO_DIR = fileURLToPath(new URL("../../", import.meta.url));

/** The permission flags of `deno task start`, read from deno.json so the two cannot drift. */
export async function startTaskFlags(): Promise<string[]> {
  const { tasks } = JSON.parse(await Deno.readTextFile(`${REPO_DIR}deno.json`));
  return (tasks.start as string).split(/\s+/).filter((word) => word.startsWith("--allow-"));
}

/** A free TCP port on 127.0.0.1 (free when asked; good enough for a test). */
export function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const { port } = listener.addr;
  listener.close();
  return port;
}

/** A running `main.ts` and what it has printed so far. */
export interface GatewayProcess {
  url: string;
  child: Deno.ChildProcess;
  /** Everything printed to stdout and stderr so far. */
  output(): string;
  /** Resolves once the output matches `pattern`, or rejects when the process ends first. */
  waitFor(pattern: RegExp): Promise<string>;
  /** Resolves with the exit status once the process has ended and its output is read. */
  status: Promise<Deno.CommandStatus>;
  /** Sends `signal` (default SIGTERM) and resolves with the exit status. */
  stop(signal?: Deno.Signal): Promise<Deno.CommandStatus>;
}

/** Runs `main.ts` from `cwd` (default: a temporary folder) with `env` and the start task's flags. */
export async function runMain(
  env: Record<string, string>,
  { cwd = Deno.makeTempDirSync() } = {},
): Promise<GatewayProcess> {
  const port = env.PORT ?? String(freePort());
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", `--config=${REPO_DIR}deno.json`, ...await startTaskFlags(), `${REPO_DIR}main.ts`],
    cwd,
    // Only what Deno itself needs is inherited, so the gateway sees exactly `env`.
    env: {
      ...inherited("HOME", "PATH", "DENO_DIR"),
      NO_COLOR: "1",
      HOST: "127.0.0.1",
      PORT: port,
      ...env,
    },
    clearEnv: true,
    stdout: "piped",
    stderr: "piped",
  }).spawn();

  let text = "";
  const changed = new EventTarget();
  const collect = async (stream: ReadableStream<Uint8Array>) => {
    for await (const chunk of stream.pipeThrough(new TextDecoderStream())) {
      text += chunk;
      changed.dispatchEvent(new Event("change"));
    }
  };
  const collected = Promise.all([collect(child.stdout), collect(child.stderr)]);
  let ended = false;
  const status = child.status.then(async (status) => {
    await collected;
    ended = true;
    changed.dispatchEvent(new Event("change"));
    return status;
  });

  return {
    url: `http://127.0.0.1:${port}`,
    child,
    output: () => text,
    status,
    waitFor: (pattern) =>
      new Promise((resolve, reject) => {
        const check = () => {
          const match = text.match(pattern);
          if (match) resolve(match[0]);
          else if (ended) reject(new Error(`main.ts ended without printing ${pattern}:\n${text}`));
          else return;
          changed.removeEventListener("change", check);
        };
        changed.addEventListener("change", check);
        check();
      }),
    stop: (signal = "SIGTERM") => {
      if (!ended) {
        try {
          child.kill(signal);
        } catch {
          // Already gone.
        }
      }
      return status;
    },
  };
}

function inherited(...names: string[]): Record<string, string> {
  return Object.fromEntries(
    names.flatMap((name) => {
      const value = Deno.env.get(name);
      return value === undefined ? [] : [[name, value]];
    }),
  );
}
