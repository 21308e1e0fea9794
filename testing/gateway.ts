/**
 * Test helpers: a gateway served on a free port with a test configuration, in this process.
 *
 * @module
 */

import { createApp } from "../app.ts";
import { type Config, loadConfig } from "../config.ts";
import { generationQueue } from "../middleware/api_guards.ts";
import type { GenerationQueue } from "../middleware/generation_queue.ts";
import { loadStaticAssets } from "../server/static_assets.ts";

/** The page's files, loaded once for every test gateway. */
const assets = await loadStaticAssets();

/** The key every test gateway accepts unless a test configures others. */
export const TEST_KEY = "test-key-0123456789";

/** A running test gateway. */
export interface TestGateway {
  url: string;
  config: Config;
  /** Headers for an authenticated JSON request. */
  headers: Record<string, string>;
  /** The gateway's generation queue, to watch who runs and who waits. */
  queue: GenerationQueue;
  close(): Promise<void>;
}

/** Serves the gateway for Ollama at `ollamaUrl`, with `overrides` on top of the defaults. */
export function startGateway(ollamaUrl: string, overrides: Partial<Config> = {}): TestGateway {
  const config = {
    // Request lines only clutter test output; tests of the log ask for them.
    ...loadConfig({ OLLAMA_URL: ollamaUrl, OLLAMA_API_KEY: TEST_KEY, LOG_LEVEL: "error" }),
    ...overrides,
  };
  const queue = generationQueue(config);
  const server = Deno.serve(
    { port: 0, hostname: "127.0.0.1", onListen: () => {} },
    createApp(config, { assets, queue }).fetch,
  );
  return {
    url: `http://127.0.0.1:${server.addr.port}`,
    config,
    queue,
    headers: { authorization: `Bearer ${config.apiKeys[0]}`, "content-type": "application/json" },
    close: () => server.shutdown(),
  };
}

/** NDJSON text as parsed objects, one a non-empty line. */
export function parseNdjson(text: string): Record<string, unknown>[] {
  return text.split("\n").filter((line) => line !== "").map((line) => JSON.parse(line));
}

/** Reads an NDJSON response body to the end, as parsed objects. */
export async function readNdjson(response: Response): Promise<Record<string, unknown>[]> {
  return parseNdjson(await response.text());
}

/**
 * Reads an NDJSON response body line by line as it arrives: each `next()` resolves with the next
 * parsed line, or `undefined` at the end. For tests that act between lines.
 */
export function ndjsonReader(
  response: Response,
): { next(): Promise<Record<string, unknown> | undefined> } {
  const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
  let buffered = "";
  return {
    async next() {
      for (;;) {
        const newline = buffered.indexOf("\n");
        if (newline !== -1) {
          const line = buffered.slice(0, newline);
          buffered = buffered.slice(newline + 1);
          if (line !== "") return JSON.parse(line);
          continue;
        }
        const chunk = await reader.read();
        if (chunk.done) {
          const last = buffered;
          buffered = "";
          return last === "" ? undefined : JSON.parse(last);
        }
        buffered += chunk.value;
      }
    },
  };
}

/** Reads the rest of `lines` to the end. */
export async function readRest(
  lines: { next(): Promise<Record<string, unknown> | undefined> },
): Promise<Record<string, unknown>[]> {
  const rest = [];
  for (let line = await lines.next(); line !== undefined; line = await lines.next()) {
    rest.push(line);
  }
  return rest;
}

/** The answer a `/chat_api` stream carried: the `response` texts of its lines, joined. */
export function answerText(lines: Record<string, unknown>[]): string {
  return lines.map((line) => line.response ?? "").join("");
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

/**
 * POSTs `body` (an object, sent as JSON, or raw text) to `/chat_api` with the gateway's key (its
 * `headers`): a test gateway's, or those given for a gateway in another process.
 */
export function postChat(
  gateway: Pick<TestGateway, "url" | "headers">,
  body: unknown,
  init: { headers?: Record<string, string>; signal?: AbortSignal } = {},
): Promise<Response> {
  return fetch(`${gateway.url}/chat_api`, {
    method: "POST",
    headers: { ...gateway.headers, ...init.headers },
    body: typeof body === "string" ? body : JSON.stringify(body),
    signal: init.signal,
  });
}

/** Resolves once `condition()` holds, checking every few milliseconds; fails after `timeoutMs`. */
export async function waitFor(
  condition: () => boolean | Promise<boolean>,
  what: string,
  timeoutMs = 10_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`Gave up waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/**
 * Whether the gateway answers a chat in full right now (`200`, then the `done` line); `false` on
 * a `429`, so `waitFor` can wait for a place to be given back. The fake must be in a scenario that
 * answers normally.
 */
export async function answersInFull(gateway: TestGateway): Promise<boolean> {
  const response = await postChat(gateway, { prompt: "probe" });
  if (response.status === 429) {
    await response.body?.cancel();
    return false;
  }
  return response.status === 200 && (await readNdjson(response)).at(-1)?.done === true;
}

/**
 * Runs `body` with everything written to the console captured (the log of gateways served in
 * this process among it), and returns the lines.
 */
export async function captureConsole(
  body: (lines: string[]) => Promise<void>,
): Promise<string[]> {
  const lines: string[] = [];
  const saved = { ...console };
  for (const method of ["log", "info", "debug", "warn", "error"] as const) {
    console[method] = (...args: unknown[]) => lines.push(args.map(String).join(" "));
  }
  try {
    await body(lines);
  } finally {
    Object.assign(console, saved);
  }
  return lines;
}
