/**
 * The configuration the API passthrough adds: `ALLOW_MODEL_MANAGEMENT` and `MAX_BODY_BYTES`.
 *
 * @module
 */

import { assertEquals, assertMatch, assertThrows } from "@std/assert";
import { ConfigError, loadConfig } from "../config.ts";

Deno.test("config: ALLOW_MODEL_MANAGEMENT is off by default and takes true/false, yes/no, 1/0", () => {
  assertEquals(loadConfig({}).allowModelManagement, false);
  assertEquals(loadConfig({ ALLOW_MODEL_MANAGEMENT: "" }).allowModelManagement, false);
  for (const value of ["true", "TRUE", " yes ", "1"]) {
    assertEquals(loadConfig({ ALLOW_MODEL_MANAGEMENT: value }).allowModelManagement, true, value);
  }
  for (const value of ["false", "No", "0"]) {
    assertEquals(loadConfig({ ALLOW_MODEL_MANAGEMENT: value }).allowModelManagement, false, value);
  }
});

Deno.test("config: any other ALLOW_MODEL_MANAGEMENT is an error naming the variable", () => {
  for (const value of ["on", "enabled", "2", "constructor"]) {
    assertThrows(
      () => loadConfig({ ALLOW_MODEL_MANAGEMENT: value }),
      ConfigError,
      `ALLOW_MODEL_MANAGEMENT must be true or false (or yes/no, 1/0), not "${value}"`,
    );
  }
});

Deno.test("config: MAX_BODY_BYTES is 8 MiB by default and takes a whole number of bytes", () => {
  assertEquals(loadConfig({}).maxBodyBytes, 8388608);
  assertEquals(loadConfig({ MAX_BODY_BYTES: " 8388608 " }).maxBodyBytes, 8388608);
});

Deno.test("config: a MAX_BODY_BYTES that is not a positive whole number is an error naming it", () => {
  for (const value of ["0", "-1", "1.5", "1MB", "1e6", "99999999999999999999"]) {
    const error = assertThrows(() => loadConfig({ MAX_BODY_BYTES: value }), ConfigError);
    assertMatch(error.message, /^MAX_BODY_BYTES must be a whole number/, value);
  }
});
