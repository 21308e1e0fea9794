/** The vendored front-end libraries are the pinned versions, with their licences beside them. */

import { assert, assertMatch } from "@std/assert";
import { join } from "@std/path";
import { VENDOR_DIR, VENDORED } from "../../scripts/vendor.ts";

for (const pkg of VENDORED) {
  Deno.test(`static/vendor holds ${pkg.name} ${pkg.version} and its licence`, async () => {
    for (const file of Object.values(pkg.files)) {
      const text = await Deno.readTextFile(join(VENDOR_DIR, file));
      if (file.endsWith("js")) {
        assert(
          text.slice(0, 500).includes(pkg.banner),
          `${file} should start with the banner "${pkg.banner}": run deno task vendor`,
        );
      } else {
        assertMatch(text, /licen[cs]e/i, `${file} should be a licence text`);
      }
    }
  });
}
