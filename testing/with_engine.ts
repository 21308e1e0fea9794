/**
 * Test helper: a fake OpenAI-compatible engine with a gateway in engine mode in front of it
 * (`OPENAI_BASE_URL` pointing at the fake), closed after the test.
 *
 * @module
 */

import type { Config } from "../config.ts";
import { type FakeEngine, type FakeEngineOptions, startFakeEngine } from "./fake_engine/mod.ts";
import { startGateway, TEST_KEY, type TestGateway } from "./gateway.ts";
import { unreachableUrl } from "./with_gateway.ts";

/** Options of {@link withEngine}. */
export interface WithEngineOptions {
  engine?: FakeEngineOptions;
  gateway?: Partial<Config>;
}

/**
 * Runs `test` against a gateway in front of a fresh fake engine (and no Ollama: `OLLAMA_URL`
 * points where nothing listens), closes both, then checks that no request that reached the
 * engine carried the gateway's key, and that each carried the engine's key if one is set.
 */
export async function withEngine(
  test: (gateway: TestGateway, engine: FakeEngine) => Promise<void>,
  options: WithEngineOptions = {},
): Promise<void> {
  const engine = startFakeEngine(options.engine);
  const gateway = startGateway(unreachableUrl(), {
    engineUrl: `${engine.url}/v1`,
    ...(engine.options.apiKey && { engineKey: engine.options.apiKey }),
    ...options.gateway,
  });
  try {
    await test(gateway, engine);
  } finally {
    await gateway.close();
    await engine.close();
  }
  for (const request of engine.requests) {
    const leaked = [...request.headers].find(([, value]) => value.includes(TEST_KEY));
    if (leaked) {
      throw new Error(
        `${request.method} ${request.path} reached the engine with the gateway's key`,
      );
    }
    const expected = gateway.config.engineKey ? `Bearer ${gateway.config.engineKey}` : null;
    if (request.headers.get("authorization") !== expected) {
      throw new Error(`${request.method} ${request.path} reached the engine without its own key`);
    }
  }
}
