/**
 * Copies the packages of Deno's standard library that the project uses from a checkout of
 * `denoland/std` into `vendor/std/<package>/`, tests left out, with std's licence. `deno.json`'s
 * `links` stand these folders in for the JSR packages, so the usual `jsr:@std/...` imports resolve
 * offline. The copies are committed: run this only to change a version (edit {@link STD_PACKAGES},
 * then `deno task vendor:std <path to a std checkout>`). It refuses a checkout whose package
 * versions differ from the pinned ones, so the copy is always what `deno.json` names.
 *
 * @module
 */

import { join, relative } from "@std/path";

/**
 * The vendored packages and their pinned versions: the three the project imports (`assert`,
 * `http`, `path`) and the ones their imported modules need (`internal`, `encoding`).
 */
export const STD_PACKAGES: Record<string, string> = {
  assert: "1.0.19",
  encoding: "1.0.11",
  http: "1.1.3",
  internal: "1.0.14",
  path: "1.1.6",
};

/** Where the copies live. */
export const STD_DIR = join(import.meta.dirname!, "..", "vendor", "std");

/** Whether a file of a std package belongs in the copy: sources only, no tests or test data. */
function isSource(path: string): boolean {
  return !/(^|\/)(testdata|_test_utils?)(\/|$)|_test\.ts$|(^|\/)test\.ts$|_bench\.ts$/.test(path);
}

/** Copies `dir` below `from` into the same place below `to`, sources only. */
async function copyTree(from: string, to: string, dir = ""): Promise<number> {
  let files = 0;
  await Deno.mkdir(join(to, dir), { recursive: true });
  for await (const entry of Deno.readDir(join(from, dir))) {
    const path = dir ? `${dir}/${entry.name}` : entry.name;
    if (!isSource(path)) continue;
    if (entry.isDirectory) files += await copyTree(from, to, path);
    else if (entry.isFile) {
      await Deno.copyFile(join(from, path), join(to, path));
      files++;
    }
  }
  return files;
}

/** Copies every package of {@link STD_PACKAGES} from the std checkout at `source`. */
export async function vendorStd(source: string, target = STD_DIR): Promise<void> {
  for (const [name, version] of Object.entries(STD_PACKAGES)) {
    const config = JSON.parse(await Deno.readTextFile(join(source, name, "deno.json")));
    if (config.version !== version) {
      throw new Error(
        `${relative(Deno.cwd(), join(source, name))} is @std/${name} ${config.version}, ` +
          `not the pinned ${version}: check out the std commit that has it, or change the pin`,
      );
    }
    await Deno.remove(join(target, name), { recursive: true }).catch(() => {});
    const files = await copyTree(join(source, name), join(target, name));
    console.log(`@std/${name} ${version}: ${files} files`);
  }
  await Deno.copyFile(join(source, "LICENSE"), join(target, "LICENSE"));
}

if (import.meta.main) {
  const [source] = Deno.args;
  if (!source) {
    console.error("Usage: deno task vendor:std <path to a checkout of denoland/std>");
    Deno.exit(2);
  }
  await vendorStd(source);
}
