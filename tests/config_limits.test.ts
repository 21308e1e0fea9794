/** The limit, timeout, proxy, CORS and log settings in `loadConfig`: defaults, values, errors. */

import { assert, assertEquals, assertMatch, assertThrows } from "@std/assert";
import { ConfigError, loadConfig } from "../config.ts";

Deno.test("limits, timeouts and the rest default to the documented values", () => {
  const config = loadConfig({});
  assertEquals(config.maxConcurrentRequests, 32);
  assertEquals(config.numParallel, 1, "Ollama's own default");
  assertEquals(config.queueTimeoutMs, 600_000);
  assertEquals(config.bodyTimeoutMs, 30_000);
  assertEquals(config.firstByteTimeoutMs, 300_000);
  assertEquals(config.idleTimeoutMs, 120_000);
  assertEquals(config.authFailureLimit, 10);
  assertEquals(config.authFailureWindowMs, 60_000);
  assertEquals(config.trustProxy, 0);
  assertEquals(config.maxConnections, 2000);
  assertEquals(config.headerTimeoutMs, 10_000);
  assertEquals(config.keepAliveTimeoutMs, 75_000);
  assertEquals(config.shutdownGraceMs, 10_000);
  assertEquals(config.corsOrigins, []);
  assertEquals(config.logLevel, "info");
});

Deno.test("each setting is read from its variable", () => {
  const config = loadConfig({
    MAX_CONCURRENT_REQUESTS: "4",
    OLLAMA_NUM_PARALLEL: "2",
    QUEUE_TIMEOUT_S: "90",
    BODY_TIMEOUT_S: "5",
    FIRST_BYTE_TIMEOUT_S: "600",
    IDLE_TIMEOUT_S: " 30 ",
    AUTH_FAILURE_LIMIT: "5",
    TRUST_PROXY: "TRUE",
    MAX_CONNECTIONS: "300",
    HEADER_TIMEOUT_S: "5",
    KEEP_ALIVE_TIMEOUT_S: "20",
    SHUTDOWN_GRACE_S: "0",
    CORS_ORIGINS: "https://app.example, http://localhost:8888,",
    LOG_LEVEL: "Debug",
  });
  assertEquals(config.maxConcurrentRequests, 4);
  assertEquals(config.numParallel, 2);
  assertEquals(loadConfig({ OLLAMA_NUM_PARALLEL: "0" }).numParallel, 1, "0 means 1, as to Ollama");
  assertEquals(config.queueTimeoutMs, 90_000);
  assertEquals(config.bodyTimeoutMs, 5_000);
  assertEquals(config.firstByteTimeoutMs, 600_000);
  assertEquals(config.idleTimeoutMs, 30_000);
  assertEquals(config.authFailureLimit, 5);
  assertEquals(config.trustProxy, 1);
  assertEquals(config.maxConnections, 300);
  assertEquals(config.headerTimeoutMs, 5_000);
  assertEquals(config.keepAliveTimeoutMs, 20_000);
  assertEquals(config.shutdownGraceMs, 0);
  assertEquals(config.corsOrigins, ["https://app.example", "http://localhost:8888"]);
  assertEquals(config.logLevel, "debug");
  const proxies = [["1", 1], ["yes", 1], ["false", 0], ["no", 0], ["0", 0], ["2", 2], [" 3 ", 3]];
  for (const [value, expected] of proxies) {
    assertEquals(loadConfig({ TRUST_PROXY: value as string }).trustProxy, expected);
  }
});

Deno.test("an empty value means the default, as if unset", () => {
  const names = ["MAX_CONCURRENT_REQUESTS", "IDLE_TIMEOUT_S", "TRUST_PROXY", "LOG_LEVEL"];
  const config = loadConfig(Object.fromEntries(names.map((name) => [name, " "])));
  assertEquals(config.maxConcurrentRequests, 32);
  assertEquals(config.idleTimeoutMs, 120_000);
  assertEquals(config.trustProxy, 0);
  assertEquals(config.logLevel, "info");
});

Deno.test("a bad value stops startup with a message naming the variable", () => {
  const bad: [string, string, RegExp][] = [
    ["MAX_CONCURRENT_REQUESTS", "0", /whole number of at least 1/],
    ["MAX_CONCURRENT_REQUESTS", "ten", /whole number/],
    ["OLLAMA_NUM_PARALLEL", "two", /whole number of at least 0/],
    ["QUEUE_TIMEOUT_S", "0", /whole number from 1 to 86400/],
    ["BODY_TIMEOUT_S", "forever", /whole number from 1 to 86400/],
    ["FIRST_BYTE_TIMEOUT_S", "1.5", /whole number from 1 to 86400/],
    ["FIRST_BYTE_TIMEOUT_S", "3000000", /whole number from 1 to 86400/],
    ["IDLE_TIMEOUT_S", "-3", /whole number/],
    ["AUTH_FAILURE_LIMIT", "1e3", /whole number of at least 1/],
    ["SHUTDOWN_GRACE_S", "soon", /whole number from 0 to 86400/],
    ["TRUST_PROXY", "maybe", /the number of proxies in front of the gateway, from 0 to 10/],
    ["TRUST_PROXY", "11", /from 0 to 10 \(true means 1, false 0\)/],
    ["TRUST_PROXY", "-1", /number of proxies/],
    ["MAX_CONNECTIONS", "0", /whole number of at least 1/],
    ["HEADER_TIMEOUT_S", "0", /whole number from 1 to 86400/],
    ["KEEP_ALIVE_TIMEOUT_S", "forever", /whole number from 1 to 86400/],
    ["CORS_ORIGINS", "https://app.example/", /no path or trailing slash/],
    ["CORS_ORIGINS", "app.example", /"app.example" is not one/],
    ["CORS_ORIGINS", "*", /origins such as/],
    ["LOG_LEVEL", "verbose", /one of debug, info, warn, error/],
  ];
  for (const [name, value, message] of bad) {
    const error = assertThrows(() => loadConfig({ [name]: value }), ConfigError);
    assert(error.message.startsWith(`${name} `), `${name}=${value}: ${error.message}`);
    assertMatch(error.message, message);
  }
});
