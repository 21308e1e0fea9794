/**
 * The `compile` task of `deno.json`, taken apart: the one place that says how the shipped binary
 * is built, so tests and the start-up benchmark run the entry point exactly the way the binary
 * will (same permission flags) and check that the Dockerfile agrees with it.
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
