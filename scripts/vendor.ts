/**
 * Copies the chat page's pinned front-end libraries from their npm packages into `static/vendor/`,
 * with their licence files. The copies are committed, so serving the page or running CI never
 * needs this script; run it only to change a version (edit {@link VENDORED}, then
 * `deno task vendor`). `npm pack` checks each tarball against the registry's integrity hash.
 *
 * @module
 */

import { join } from "@std/path";

/** One library served from `static/vendor/`. */
export interface VendoredPackage {
  name: string;
  /** Exact npm version. */
  version: string;
  /**
   * Text each of its script files carries naming this version: its banner, or where it has none
   * (KaTeX's ES module), its version constant.
   */
  banner: string;
  /** Package path (inside the tarball's `package/`) → file name in `static/vendor/`. */
  files: Record<string, string>;
}

/**
 * The pinned libraries: markdown rendering (marked), HTML sanitizing (DOMPurify), LaTeX to MathML
 * (KaTeX) and code highlighting (highlight.js, its common languages, and GitHub's light and dark
 * themes).
 */
export const VENDORED: VendoredPackage[] = [
  {
    name: "marked",
    version: "18.2.1",
    banner: "marked v18.2.1",
    files: { "lib/marked.esm.js": "marked.esm.js", "LICENSE": "marked.LICENSE" },
  },
  {
    name: "dompurify",
    version: "3.4.18",
    banner: "DOMPurify 3.4.18",
    files: {
      "dist/purify.es.mjs": "purify.es.mjs",
      "LICENSE": "dompurify.LICENSE",
      "LICENSE-MPL": "dompurify.LICENSE-MPL",
    },
  },
  {
    name: "katex",
    version: "0.19.1",
    banner: 'var version = "0.19.1"',
    files: { "dist/katex.mjs": "katex.mjs", "LICENSE": "katex.LICENSE" },
  },
  {
    name: "@highlightjs/cdn-assets",
    version: "11.12.0",
    banner: "Highlight.js v11.12.0",
    files: {
      "es/highlight.min.js": "highlight.min.js",
      "styles/github.min.css": "highlight-github.min.css",
      "styles/github-dark.min.css": "highlight-github-dark.min.css",
      "LICENSE": "highlight.LICENSE",
    },
  },
];

/** Where the copies live. */
export const VENDOR_DIR = join(import.meta.dirname!, "..", "static", "vendor");

/** Runs `command` and returns its standard output; throws with its error output on failure. */
async function run(command: string, args: string[]): Promise<string> {
  const { success, stdout, stderr } = await new Deno.Command(command, { args }).output();
  const decoder = new TextDecoder();
  if (!success) throw new Error(`${command} ${args.join(" ")} failed:\n${decoder.decode(stderr)}`);
  return decoder.decode(stdout).trim();
}

/** Fetches `pkg` with `npm pack` and copies its listed files into {@link VENDOR_DIR}. */
async function vendor(pkg: VendoredPackage): Promise<void> {
  const temp = await Deno.makeTempDir({ prefix: "vendor-" });
  try {
    const spec = `${pkg.name}@${pkg.version}`;
    const tarball = await run("npm", ["pack", spec, "--pack-destination", temp, "--silent"]);
    await run("tar", ["-xzf", join(temp, tarball), "-C", temp]);
    for (const [from, to] of Object.entries(pkg.files)) {
      await Deno.copyFile(join(temp, "package", from), join(VENDOR_DIR, to));
    }
    console.log(`${spec}: ${Object.values(pkg.files).join(", ")}`);
  } finally {
    await Deno.remove(temp, { recursive: true });
  }
}

if (import.meta.main) {
  await Deno.mkdir(VENDOR_DIR, { recursive: true });
  for (const pkg of VENDORED) await vendor(pkg);
}
