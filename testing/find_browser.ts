/**
 * Finds the Chromium that the page tests, the screenshots and the page bench drive, so that a
 * machine with only Node.js and npm runs them too. In this order:
 *
 * 1. `CHROMIUM_PATH`, if set: the path of a Chromium-based browser, or `npm` for 3.
 * 2. A Chromium or Chrome installed on the system: on `PATH` (`chromium`, `google-chrome`…), or
 *    in macOS's `/Applications`.
 * 3. The headless Chromium inside `npm:@sparticuz/chromium` (pinned in `deno.json`; linux
 *    x86-64 only), which unpacks itself into the temporary folder at first use (`/tmp/chromium`,
 *    kept for later runs). Nothing is downloaded at run time.
 *
 * {@link chooseBrowser} decides from plain data, so tests can pass any machine;
 * {@link findBrowser} decides for this one and unpacks the npm browser when that is the choice.
 *
 * @module
 */

import { tmpdir } from "node:os";
import { fromFileUrl, join } from "@std/path";

/** Where a browser came from: `CHROMIUM_PATH`, the system, or the npm package. */
export type BrowserSource = "CHROMIUM_PATH" | "system" | "npm";

/** A browser to launch, with the command-line flags that suit it. */
export interface FoundBrowser {
  /** The executable. */
  path: string;
  /** Where it was found. */
  source: BrowserSource;
  /** Flags to launch it with. */
  args: string[];
  /** Environment variables it needs on top of this process's. */
  env: Record<string, string>;
}

/** What {@link chooseBrowser} looks at: this machine's, or a test's. */
export interface BrowserLookup {
  /** The value of `CHROMIUM_PATH`, if set. */
  chromiumPath?: string;
  /** The value of `PATH`. */
  path?: string;
  /** The operating system, as `Deno.build.os`. */
  os: string;
  /** Whether `path` is a file. */
  isFile(path: string): boolean;
}

/** What {@link chooseBrowser} decided: an executable, or the npm package's browser. */
export type BrowserChoice =
  | { source: "CHROMIUM_PATH" | "system"; path: string }
  | { source: "npm" };

/** Names of system browsers looked up on `PATH`, in order. */
export const SYSTEM_BROWSER_NAMES = [
  "chromium",
  "chromium-browser",
  "google-chrome",
  "google-chrome-stable",
];

/** Where macOS keeps Chrome and Chromium. */
export const MACOS_BROWSER_PATHS = [
  "/Applications/Google Chrome.app/Contents/MacOS/Google Chrome",
  "/Applications/Chromium.app/Contents/MacOS/Chromium",
];

/**
 * Flags for a quiet headless Chromium, also when running as root (where its sandbox cannot
 * start). They suit a system Chromium or Chrome and the npm package's headless shell alike.
 */
export const CHROMIUM_FLAGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  // The iframe test fakes huggingface.co (a public site) framing the gateway on loopback, which
  // Chromium's local-network checks forbid; on a real Space both sides are public.
  "--disable-features=LocalNetworkAccessChecks",
];

/**
 * Decides which browser to use, without starting or unpacking anything.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { chooseBrowser } from "./find_browser.ts";
 *
 * const isFile = (path: string) => path === "/usr/bin/chromium";
 * const machine = { os: "linux", path: "/usr/local/bin:/usr/bin", isFile };
 * assertEquals(chooseBrowser(machine), { source: "system", path: "/usr/bin/chromium" });
 * assertEquals(chooseBrowser({ ...machine, chromiumPath: "npm" }), { source: "npm" });
 * assertEquals(chooseBrowser({ ...machine, path: "/usr/local/bin" }), { source: "npm" });
 * ```
 */
export function chooseBrowser(lookup: BrowserLookup): BrowserChoice {
  const { chromiumPath } = lookup;
  if (chromiumPath !== undefined && chromiumPath !== "") {
    if (chromiumPath === "npm") return { source: "npm" };
    if (!lookup.isFile(chromiumPath)) {
      throw new Error(
        `CHROMIUM_PATH is "${chromiumPath}", which is not a file: point it at a Chromium or ` +
          'Chrome executable, set it to "npm" for the npm package\'s Chromium, or unset it to ' +
          "look for one.",
      );
    }
    return { source: "CHROMIUM_PATH", path: chromiumPath };
  }
  const dirs = (lookup.path ?? "").split(":").filter(Boolean);
  const candidates = [
    ...SYSTEM_BROWSER_NAMES.flatMap((name) => dirs.map((dir) => `${dir}/${name}`)),
    ...(lookup.os === "darwin" ? MACOS_BROWSER_PATHS : []),
  ];
  const system = candidates.find((candidate) => lookup.isFile(candidate));
  return system ? { source: "system", path: system } : { source: "npm" };
}

let found: Promise<FoundBrowser> | undefined;

/**
 * The browser for this machine (see the module's doc), decided once per process. When that is
 * the npm package's, unpacks it first (seconds, once per machine); throws in plain words
 * where that browser cannot run.
 */
export function findBrowser(): Promise<FoundBrowser> {
  found ??= locate();
  return found;
}

async function locate(): Promise<FoundBrowser> {
  const choice = chooseBrowser({
    chromiumPath: Deno.env.get("CHROMIUM_PATH"),
    path: Deno.env.get("PATH"),
    os: Deno.build.os,
    isFile,
  });
  if (choice.source !== "npm") return { ...choice, args: CHROMIUM_FLAGS, env: {} };
  if (Deno.build.os !== "linux" || Deno.build.arch !== "x86_64") {
    const why = Deno.env.get("CHROMIUM_PATH") === "npm"
      ? "CHROMIUM_PATH=npm asks for the npm package's Chromium"
      : "No Chromium or Chrome is installed, which leaves the npm package's Chromium";
    throw new Error(
      `${why}, but it runs on linux x86-64 only (this is ${Deno.build.os} ` +
        `${Deno.build.arch}): install Chrome or Chromium, or set CHROMIUM_PATH to one.`,
    );
  }
  // The package's own `args` are made for AWS Lambda (one process, web security off), which would
  // change what the page tests check, so the flags are ours. Like on Lambda, the browser gets the
  // libraries it needs (NSS, expat) and a font from the package, so it runs the same on a machine
  // that has none of them.
  const { default: chromium, inflate } = await import("@sparticuz/chromium");
  const packed = fromFileUrl(new URL("../bin/", import.meta.resolve("@sparticuz/chromium")));
  const [path, libraries] = await Promise.all([
    chromium.executablePath(),
    inflate(join(packed, "al2023.tar.br")),
  ]);
  return {
    path,
    source: "npm",
    args: CHROMIUM_FLAGS,
    env: { LD_LIBRARY_PATH: join(libraries, "lib"), FONTCONFIG_PATH: join(tmpdir(), "fonts") },
  };
}

function isFile(path: string): boolean {
  try {
    return Deno.statSync(path).isFile;
  } catch {
    return false;
  }
}
