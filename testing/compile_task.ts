/**
 * The `compile` task of `deno.json`, taken apart: the one place that says how the shipped binary
 * is built, so tests and the start-up benchmark run the entry point exactly the way the binary
 * will (same permission flags) and check that the Dockerfile agrees with it.
 *
 * Why the task passes `--exclude-unused-npm`: `deno.json`'s `imports` serve the gateway and the
 * tests alike, and without that flag `deno compile` embeds every npm package they name (41 MB of
 * test, bench and browser libraries: openai, playwright-core, axe-core…) though the gateway
 * imports only Hono. With it, only the packages reachable from `main.ts` are embedded, so one
 * configuration still serves `deno task test`, `deno task bench` and the binary. A separate
 * configuration for the tests (a workspace member) would do the same, but the tests, the testing
 * toolkit, the bench and the scripts live in four folders beside the code they test, and each
 * would need its own `deno.json`. The gateway imports nothing dynamically that could be missed.
 * `tests/ship/binary_contents.test.ts` keeps it so, with {@link compileArgs} and
 * {@link embeddedFiles}.
 *
 * @module
 */

import { join } from "@std/path";

/** The repository's root folder. */
export const REPO = join(import.meta.dirname!, "..");

/** What `deno task compile` builds, and how. */
export interface CompileTask {
  /** Permission flags baked into the binary (`--allow-…`/`--deny-…`), in order. */
  permissionFlags: string[];
  /** Paths given to `--include`, embedded in the binary. */
  includes: string[];
  /** `--output`, relative to the repository. */
  output: string;
  /** The entry module, relative to the repository. */
  entry: string;
}

/** The tasks of `deno.json`, by name. */
export function denoTasks(): Record<string, string> {
  return JSON.parse(Deno.readTextFileSync(join(REPO, "deno.json"))).tasks;
}

/** Permission flags of a task's command line. */
export function permissionFlags(command: string): string[] {
  return command.split(/\s+/).filter((word) => /^--(allow|deny)-/.test(word) || word === "-A");
}

/** The `compile` task, taken apart; throws if it is not a `deno compile` command. */
export function compileTask(): CompileTask {
  const command = denoTasks().compile;
  const words = command.split(/\s+/);
  if (words[0] !== "deno" || words[1] !== "compile") {
    throw new Error(`The compile task is not a deno compile command: ${command}`);
  }
  const valuesOf = (flag: string) =>
    words.flatMap((word, index) => word === flag ? [words[index + 1]] : []);
  return {
    permissionFlags: permissionFlags(command),
    includes: valuesOf("--include"),
    output: valuesOf("--output")[0],
    entry: words.at(-1)!,
  };
}

/**
 * The compile task's arguments to `deno` (`compile`, its flags, the entry), run from
 * {@link REPO}, with `output` in place of its `--output` and no `$COMPILE_FLAGS`.
 */
export function compileArgs(output: string): string[] {
  const words = denoTasks().compile.split(/\s+/).slice(1).filter((word) =>
    word !== "$COMPILE_FLAGS"
  );
  const at = words.indexOf("--output");
  if (at < 0) throw new Error("The compile task names no --output");
  return words.toSpliced(at + 1, 1, output);
}

/** One entry of `deno compile`'s "Embedded Files" tree. */
export interface EmbeddedEntry {
  /** Its path in the binary, folders joined by `/`; a folder shown folded ends in `/*`. */
  path: string;
  /** Its size as printed, in bytes. */
  bytes: number;
}

/** What `deno compile` says it embeds: the leaves of its tree, and its "Files:" total in bytes. */
export interface EmbeddedFiles {
  entries: EmbeddedEntry[];
  totalBytes: number;
}

const UNITS: Record<string, number> = { B: 1, KB: 2 ** 10, MB: 2 ** 20, GB: 2 ** 30 };

/** `"1.27MB"` (as `deno compile` prints sizes, in powers of 1,024) in bytes. */
function bytesOf(size: string): number {
  const [, amount, unit] = size.match(/^([\d.]+)(B|KB|MB|GB)$/) ?? [];
  if (amount === undefined) throw new Error(`Not a size: "${size}"`);
  return Number(amount) * UNITS[unit];
}

/**
 * Reads the "Embedded Files" listing that `deno compile` prints: each line of the tree below the
 * binary's name is `├── name (size)` or, for a folder shown open, `├─┬ name (size)`, two
 * columns deeper per level.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { embeddedFiles } from "./compile_task.ts";
 *
 * const listing = [
 *   "Embedded Files", "", "ollamaspace",
 *   "├─┬ vendor (2KB)", "│ └── std/* (2KB)", "└── main.ts (512B)", "",
 *   "Files: 2.5KB", "Metadata: 1KB",
 * ].join("\n");
 * assertEquals(embeddedFiles(listing), {
 *   entries: [{ path: "vendor/std/*", bytes: 2048 }, { path: "main.ts", bytes: 512 }],
 *   totalBytes: 2560,
 * });
 * ```
 */
export function embeddedFiles(output: string): EmbeddedFiles {
  const lines = output.split("\n");
  const start = lines.findIndex((line) => line.trim() === "Embedded Files");
  const total = output.match(/^Files: (\S+)$/m)?.[1];
  if (start < 0 || total === undefined) {
    throw new Error(`deno compile printed no "Embedded Files" listing:\n${output}`);
  }
  const entries: EmbeddedEntry[] = [];
  const folders: string[] = [];
  for (const line of lines.slice(start + 1)) {
    const match = line.match(/^([│ ]*)[├└]─([─┬]) (.+) \((\S+?)(?: - \S+ unique)?\)$/);
    if (!match) continue;
    const [, indent, kind, name, size] = match;
    const depth = indent.length / 2;
    folders.length = depth;
    if (kind === "┬") folders.push(name);
    else entries.push({ path: [...folders, name].join("/"), bytes: bytesOf(size) });
  }
  return { entries, totalBytes: bytesOf(total) };
}
