/**
 * What the bench's two foreign reverse proxies, nginx (`bench/nginx.ts`) and Caddy
 * (`bench/caddy.ts`), share: finding the installed program, running it as one foreground process
 * with its configuration and every file it writes under a fresh temporary folder (so `/proc`
 * attributes its CPU and memory to it, and nothing is left behind), and what happens when it is
 * not installed: the bench never installs one; a quick run measures the other targets without it
 * and says so, a full run asks for it ({@link leaveOutMissing}).
 *
 * @module
 */

import { join } from "@std/path";
import { type ChildProcess, freePort, startProcess } from "./processes.ts";

/** A reverse proxy the bench compares the gateway with. */
export interface PeerProxy {
  /** Its target's name in the tables, also its program's name: `nginx`, `caddy`. */
  name: string;
  /** Its target's letter in the legend, e.g. `(e)`. */
  letter: string;
  /** Debian's command that installs it. */
  install: string;
  /** The configuration's file name in the temporary folder. */
  configFile: string;
  /** The configuration: listen on `127.0.0.1:port`, relay to `upstreamUrl`, files in `folder`. */
  config(folder: string, port: number, upstreamUrl: string): string;
  /** The program's arguments, given the folder and the configuration's path. */
  args(folder: string, configPath: string): string[];
  /** Environment variables for the program, given the folder. */
  env?(folder: string): Record<string, string>;
}

/** The first of `/usr/sbin`, `/usr/bin` and `PATH`'s folders that holds `program`, or undefined. */
export function findProgram(program: string): string | undefined {
  const dirs = [
    "/usr/sbin",
    "/usr/bin",
    ...(Deno.env.get("PATH") ?? "").split(":").filter(Boolean),
  ];
  for (const dir of dirs) {
    try {
      if (Deno.statSync(join(dir, program)).isFile) return join(dir, program);
    } catch {
      // Not in this folder.
    }
  }
}

/** The one line a quick run prints when `peer` is not installed. */
export function missingNote(peer: Pick<PeerProxy, "name" | "letter" | "install">): string {
  return `${peer.name} is not installed, so target ${peer.letter} is skipped; install Debian's ` +
    `with \`${peer.install}\` and run the bench again`;
}

/**
 * The targets a run measures, given the peers that are not installed (`missing`). A quick run
 * (the test suite's smoke run) leaves them out and says so in `notes`, one line each; a full run
 * throws, naming how to install them, since its report compares the gateway with them. Peers not
 * among `targets` (not asked for with `--target`) change nothing.
 *
 * @example
 * ```ts
 * import { assertEquals, assertThrows } from "@std/assert";
 * import { leaveOutMissing, missingNote } from "./peer_proxy.ts";
 *
 * const caddy = { name: "caddy", letter: "(i)", install: "apt-get install caddy" };
 * const targets = [{ name: "direct" }, { name: "caddy" }];
 * assertEquals(leaveOutMissing(targets, true, [caddy]), {
 *   targets: [{ name: "direct" }],
 *   notes: [missingNote(caddy)],
 * });
 * assertEquals(leaveOutMissing(targets, false, []), { targets, notes: [] });
 * assertThrows(() => leaveOutMissing(targets, false, [caddy]), Error, "apt-get install caddy");
 * ```
 */
export function leaveOutMissing<T extends { name: string }>(
  targets: T[],
  quick: boolean | undefined,
  missing: Pick<PeerProxy, "name" | "letter" | "install">[],
): { targets: T[]; notes: string[] } {
  const absent = missing.filter((peer) => targets.some((target) => target.name === peer.name));
  if (absent.length === 0) return { targets, notes: [] };
  if (!quick) {
    const [are, them] = absent.length > 1 ? ["are", "them"] : ["is", "it"];
    throw new Error(
      `${absent.map((peer) => peer.name).join(" and ")} ${are} not installed, and the full ` +
        `bench measures the gateway against ${them}: install ${them} with ` +
        `${absent.map((peer) => `\`${peer.install}\``).join(" and ")} and run it again, or ` +
        "name the targets to measure with --target",
    );
  }
  return {
    targets: targets.filter((target) => !absent.some((peer) => peer.name === target.name)),
    notes: absent.map(missingNote),
  };
}

/**
 * Starts `peer`, found at `program`, relaying to `upstreamUrl` on a free port, its files in a new
 * temporary folder that stopping it removes; resolves once it listens.
 */
export async function startPeerProxy(
  peer: PeerProxy,
  program: string,
  upstreamUrl: string,
): Promise<{ url: string; relay: ChildProcess }> {
  const folder = await Deno.makeTempDir({ prefix: `ollamaspace-bench-${peer.name}-` });
  try {
    const port = freePort();
    const configPath = join(folder, peer.configFile);
    await Deno.writeTextFile(configPath, peer.config(folder, port, upstreamUrl));
    const process = await startProcess(
      peer.name,
      program,
      peer.args(folder, configPath),
      peer.env?.(folder) ?? {},
      port,
    );
    const stop = async () => {
      await process.stop();
      await Deno.remove(folder, { recursive: true });
    };
    return { url: `http://127.0.0.1:${port}`, relay: { pid: process.pid, stop } };
  } catch (error) {
    await Deno.remove(folder, { recursive: true });
    throw error;
  }
}
