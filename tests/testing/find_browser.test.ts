/**
 * Which browser the page tests drive: the lookup's order on made-up machines, and the browser
 * found on this one, started for real. `.ci/run` runs this file once more with
 * `CHROMIUM_PATH=npm`, beside the page tests, so the npm package's browser is proven to be the
 * one they used.
 *
 * @module
 */

import { assertEquals, assertMatch, assertThrows } from "@std/assert";
import { join } from "@std/path";
import { launchChromium } from "../../testing/browser.ts";
import { REPO } from "../../testing/compile_task.ts";
import { type BrowserLookup, chooseBrowser, findBrowser } from "../../testing/find_browser.ts";

/** A made-up linux machine with these files. */
function machine(files: string[], more: Partial<BrowserLookup> = {}): BrowserLookup {
  return {
    os: "linux",
    path: "/home/me/bin:/usr/local/bin:/usr/bin",
    isFile: (path) => files.includes(path),
    ...more,
  };
}

Deno.test("CHROMIUM_PATH comes first: a path, or npm for the package's browser", () => {
  const system = ["/usr/bin/chromium", "/opt/chrome/chrome"];
  assertEquals(chooseBrowser(machine(system, { chromiumPath: "/opt/chrome/chrome" })), {
    source: "CHROMIUM_PATH",
    path: "/opt/chrome/chrome",
  });
  assertEquals(chooseBrowser(machine(system, { chromiumPath: "npm" })), { source: "npm" });
  // Set but empty counts as not set.
  assertEquals(chooseBrowser(machine(system, { chromiumPath: "" })), {
    source: "system",
    path: "/usr/bin/chromium",
  });
});

Deno.test("a CHROMIUM_PATH that is not a file is an error that says what to set", () => {
  assertThrows(
    () => chooseBrowser(machine(["/usr/bin/chromium"], { chromiumPath: "/nowhere/chrome" })),
    Error,
    'CHROMIUM_PATH is "/nowhere/chrome", which is not a file',
  );
});

Deno.test("then a system Chromium or Chrome, Chromium first, in PATH order", () => {
  const files = ["/usr/bin/google-chrome", "/usr/bin/chromium", "/usr/local/bin/chromium"];
  assertEquals(chooseBrowser(machine(files)), {
    source: "system",
    path: "/usr/local/bin/chromium",
  });
  assertEquals(chooseBrowser(machine(["/usr/bin/google-chrome"])), {
    source: "system",
    path: "/usr/bin/google-chrome",
  });
  const mac = "/Applications/Google Chrome.app/Contents/MacOS/Google Chrome";
  assertEquals(chooseBrowser(machine([mac], { os: "darwin" })), { source: "system", path: mac });
  // The same file means nothing on linux.
  assertEquals(chooseBrowser(machine([mac])), { source: "npm" });
});

Deno.test("then the npm package's browser, when nothing else is there", () => {
  assertEquals(chooseBrowser(machine([])), { source: "npm" });
  assertEquals(chooseBrowser(machine(["/usr/bin/chromium"], { path: undefined })), {
    source: "npm",
  });
});

Deno.test("the browser found on this machine starts, and is the one the lookup names", async () => {
  const found = await findBrowser();
  const browser = await launchChromium();
  try {
    const page = await browser.newPage();
    await page.setContent("<p>ready</p>");
    assertEquals(await page.innerText("p"), "ready");
    assertMatch(browser.version(), /^\d+\.\d+\.\d+\.\d+$/);
    if (found.source === "npm") {
      // The package's major version is the Chromium it carries (@sparticuz/chromium@153 → 153).
      const { imports } = JSON.parse(await Deno.readTextFile(join(REPO, "deno.json")));
      const pinned = imports["@sparticuz/chromium"].match(/@(\d+)\.\d+\.\d+$/)[1];
      assertEquals(browser.version().split(".")[0], pinned, "the npm package's Chromium");
    }
    if (Deno.env.get("CHROMIUM_PATH") === "npm") assertEquals(found.source, "npm");
  } finally {
    await browser.close();
  }
  console.log(`Chromium ${browser.version()} (${found.source}): ${found.path}`);
});
