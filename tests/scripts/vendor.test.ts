/**
 * The vendored front-end libraries are the pinned versions, with their licences beside them: each
 * script names its pinned version, each stylesheet is one, and each other file is a licence.
 */

import { assert, assertMatch } from "@std/assert";
import { join } from "@std/path";
import { VENDOR_DIR, VENDORED } from "../../scripts/vendor.ts";

for (const pkg of VENDORED) {
  Deno.test(`static/vendor holds ${pkg.name} ${pkg.version} and its licence`, async () => {
    const files = Object.values(pkg.files);
    assert(files.some((file) => /LICENSE/.test(file)), `${pkg.name} comes with its licence`);
    for (const file of files) {
      const text = await Deno.readTextFile(join(VENDOR_DIR, file));
      if (/\.m?js$/.test(file)) {
        assert(
          text.includes(pkg.banner),
          `${file} should name its version with "${pkg.banner}": run deno task vendor`,
        );
      } else if (file.endsWith(".css")) {
        assertMatch(text, /^[^{}]+\{[^{}]*\}/, `${file} should be a stylesheet`);
      } else {
        assertMatch(text, /licen[cs]e/i, `${file} should be a licence text`);
      }
    }
  });
}
