/**
 * Test helper: a fake Ollama with a gateway in front of it, closed after the test.
 *
 * @module
 */

import type { Config } from "../config.ts";
import { type FakeOllama, type FakeOllamaOptions, startFakeOllama } from "./fake_ollama/mod.ts";
import { startGateway, TEST_KEY, type TestGateway } from "./gateway.ts";
import { freePort } from "./process.ts";

/** Options of {@link withGateway}. */
export interface WithGatewayOptions {
  fake?: FakeOllamaOptions;
  gateway?: Partial<Config>;
}

/**
 * Runs `test` against a gateway in front of a fresh fake Ollama, closes both, then checks that no
 * request that reached the fake carried the gateway's key.
 */
export async function withGateway(
  test: (gateway: TestGateway, fake: FakeOllama) => Promise<void>,
  options: WithGatewayOptions = {},
): Promise<void> {
  const fake = startFakeOllama(options.fake);
  const gateway = startGateway(fake.url, options.gateway);
  try {
    await test(gateway, fake);
  } finally {
    await gateway.close();
    await fake.close();
  }
  for (const request of fake.requests) {
    const leaked = [...request.headers].find(([, value]) => value.includes(TEST_KEY));
    if (request.headers.has("authorization") || leaked) {
      throw new Error(`${request.method} ${request.path} reached Ollama with the gateway's key`);
    }
  }
}

/** The URL of a port on 127.0.0.1 where nothing listens: an Ollama that is down. */
export function unreachableUrl(): string {
  return `http://127.0.0.1:${freePort()}`;
}
