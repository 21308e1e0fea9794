/**
 * The configuration the API passthrough adds: `ALLOW_MODEL_MANAGEMENT` and `MAX_BODY_BYTES`.
 *
 * @module
 */

import assert from "node:assert/strict";
import { ConfigError, loadConfig } from "../config.ts";

Deno.test("ALLOW_MODEL_MANAGEMENT is off by default and takes true/false, yes/no, 1/0", () => {
  assert.equal(loadConfig({}).allowModelManagement, false);
  assert.equal(loadConfig({ ALLOW_MODEL_MANAGEMENT: "" }).allowModelManagement, false);
  for (const value of ["true", "TRUE", " yes ", "1"]) {
    assert.equal(loadConfig({ ALLOW_MODEL_MANAGEMENT: value }).allowModelManagement, true, value);
  }
  for (const value of ["false", "No", "0"]) {
    assert.equal(loadConfig({ ALLOW_MODEL_MANAGEMENT: value }).allowModelManagement, false, value);
  }
});

Deno.test("any other ALLOW_MODEL_MANAGEMENT is an error naming the variable", () => {
  for (const value of ["on", "enabled", "2", "constructor"]) {
    assert.throws(() => loadConfig({ ALLOW_MODEL_MANAGEMENT: value }), {
      name: "ConfigError",
      message: `ALLOW_MODEL_MANAGEMENT must be true or false (or yes/no, 1/0), not "${value}"`,
    });
  }
});

Deno.test("MAX_BODY_BYTES is 1 MiB by default and takes a whole number of bytes", () => {
  assert.equal(loadConfig({}).maxBodyBytes, 1048576);
  assert.equal(loadConfig({ MAX_BODY_BYTES: " 8388608 " }).maxBodyBytes, 8388608);
});

Deno.test("a MAX_BODY_BYTES that is not a positive whole number is an error naming it", () => {
  for (const value of ["0", "-1", "1.5", "1MB", "1e6", "99999999999999999999"]) {
    assert.throws(() => loadConfig({ MAX_BODY_BYTES: value }), (error) => {
      assert.ok(error instanceof ConfigError);
      assert.match(error.message, /^MAX_BODY_BYTES must be a whole number of bytes/);
      return true;
    }, value);
  }
});
