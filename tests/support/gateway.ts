/**
 * Test helpers: a gateway served on a free port with a test configuration, in this process.
 *
 * @module
 */

import { createApp } from "../../app.ts";
import { type Config, loadConfig } from "../../config.ts";

/** The key every test gateway accepts unless a test configures others. */
export const TEST_KEY = "test-key-0123456789";

/** A running test gateway. */
export interface TestGateway {
  url: string;
  config: Config;
  /** Headers for an authenticated JSON request. */
  headers: Record<string, string>;
  close(): Promise<void>;
}

/** Serves the gateway for Ollama at `ollamaUrl`, with `overrides` on top of the defaults. */
export function startGateway(ollamaUrl: string, overrides: Partial<Config> = {}): TestGateway {
  const config = {
    ...loadConfig({ OLLAMA_URL: ollamaUrl, OLLAMA_API_KEY: TEST_KEY }),
    ...overrides,
  };
  const server = Deno.serve(
    { port: 0, hostname: "127.0.0.1", onListen: () => {} },
    createApp(config).fetch,
  );
  return {
    url: `http://127.0.0.1:${server.addr.port}`,
    config,
    headers: { authorization: `Bearer ${config.apiKeys[0]}`, "content-type": "application/json" },
    close: () => server.shutdown(),
  };
}

/** Reads an NDJSON response body to the end, as parsed objects. */
export async function readNdjson(response: Response): Promise<Record<string, unknown>[]> {
  const text = await response.text();
  return text.split("\n").filter((line) => line !== "").map((line) => JSON.parse(line));
}

/**
 * `promise`, or a failure naming `what` if it has not settled after `ms`: a guard that turns a
 * hang (the behaviour under test is broken) into a failed test. Not a timing check.
 */
export async function settlesWithin<T>(promise: Promise<T>, what: string, ms = 10_000): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not happen within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
