/**
 * What the binary carries: the compile task, run with `DENORT_BIN` pointed at this `deno` (so
 * `deno compile` packs the executable without downloading Deno's runtime; the result cannot run
 * as the gateway, but its "Embedded Files" listing is the real one), must embed no npm package
 * but the runtime's and stay within a budget. The output goes to a temporary folder, removed
 * after.
 *
 * @module
 */

import { assert, assertEquals } from "@std/assert";
import { join } from "@std/path";
import { compileArgs, embeddedFiles, REPO } from "../../testing/compile_task.ts";

/** The npm packages the gateway runs on. */
const RUNTIME_PACKAGES = ["hono"];

/**
 * The most the embedded files may weigh: Hono (1.3 MiB), our code, `static/` (with KaTeX and
 * highlight.js, about 1 MiB) and the vendored std; about 3 MiB today.
 */
const BUDGET_BYTES = 4 * 2 ** 20;

/** The npm package an embedded path belongs to, if any. */
function npmPackage(path: string): string | undefined {
  const [top, _registry, first, second] = path.split("/");
  if (top !== ".deno_compile_node_modules") return undefined;
  return first?.startsWith("@") ? `${first}/${second}` : first ?? path;
}

Deno.test("the binary embeds only Hono and the project's own files, within 4 MiB", async () => {
  const dir = await Deno.makeTempDir({ prefix: "ollamaspace-compile-" });
  try {
    const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
      args: compileArgs(join(dir, "ollamaspace")),
      cwd: REPO,
      env: { DENORT_BIN: Deno.execPath(), NO_COLOR: "1" },
      stdout: "piped",
      stderr: "piped",
    }).output();
    const output = new TextDecoder().decode(stdout) + new TextDecoder().decode(stderr);
    assertEquals(code, 0, `deno compile failed:\n${output}`);
    const { entries, totalBytes } = embeddedFiles(output);

    const packages = [...new Set(entries.flatMap(({ path }) => npmPackage(path) ?? []))];
    assertEquals(packages.sort(), RUNTIME_PACKAGES, `npm packages in the binary:\n${output}`);
    const paths = entries.map(({ path }) => path);
    for (const expected of ["main.ts", "app.ts", "static/*"]) {
      assert(paths.includes(expected), `${expected} is not embedded:\n${output}`);
    }
    assert(
      totalBytes <= BUDGET_BYTES,
      `the embedded files weigh ${(totalBytes / 2 ** 20).toFixed(2)} MiB, over the budget of ` +
        `${BUDGET_BYTES / 2 ** 20} MiB:\n${output}`,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
