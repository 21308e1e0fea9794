/**
 * What Ollama's `/api/show` says of a model that the gateway acts on: its context length (for
 * sizing the window, `context.ts`) and its capabilities (whether it reads images). Looked up once
 * per model and cached for ten minutes by {@link ModelInfoCache}; a failed lookup is tried again
 * after ten seconds.
 *
 * @module
 */

import { GatewayError } from "../server/errors.ts";

/** What `/api/show` told of a model; a field is absent when Ollama did not say. */
export interface ModelInfo {
  /** `<architecture>.context_length` from `model_info`. */
  contextLength?: number;
  /** `capabilities`, such as `["completion", "vision"]`. */
  capabilities?: string[];
}

/** How long a model's details are trusted, and how soon a failed lookup is tried again. */
const INFO_TTL_MS = 10 * 60_000;
const FAILED_LOOKUP_TTL_MS = 10_000;
/** Longest wait for `/api/show`; without an answer the model's details are unknown. */
const LOOKUP_TIMEOUT_MS = 5_000;

/**
 * The details of each model, looked up once per cache period and shared by everyone who asks.
 *
 * @example A model Ollama cannot be asked about has no known details
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { ModelInfoCache } from "./model_info.ts";
 *
 * const models = new ModelInfoCache({ ollamaUrl: "http://127.0.0.1:9" });
 * assertEquals(await models.get("gemma3:4b"), {});
 * ```
 */
export class ModelInfoCache {
  readonly #ollamaUrl: string;
  readonly #cache = new Map<string, { info: Promise<ModelInfo>; until: number }>();

  /** A cache for the Ollama at `ollamaUrl`. */
  constructor({ ollamaUrl }: { ollamaUrl: string }) {
    this.#ollamaUrl = ollamaUrl;
  }

  /** The model's details, from the cache or from one `/api/show`; never throws. */
  get(model: string): Promise<ModelInfo> {
    const cached = this.#cache.get(model);
    if (cached && cached.until > Date.now()) return cached.info;
    const info = lookUpModelInfo(this.#ollamaUrl, model);
    const entry = { info, until: Date.now() + INFO_TTL_MS };
    this.#cache.set(model, entry);
    info.then((found) => {
      if (found.contextLength === undefined && found.capabilities === undefined) {
        entry.until = Date.now() + FAILED_LOOKUP_TTL_MS;
      }
    });
    return info;
  }

  /**
   * Throws a `400` naming `model` when Ollama says it cannot read images (its capabilities lack
   * `vision`). When Ollama cannot say, the request goes on and Ollama answers it.
   */
  async requireVision(model: string): Promise<void> {
    const { capabilities } = await this.get(model);
    if (capabilities && !capabilities.includes("vision")) {
      throw new GatewayError(
        400,
        `The model "${model}" cannot read images (it has no vision capability): ` +
          "send the question without images, or pick a vision model such as gemma3",
      );
    }
  }
}

/**
 * `/api/show` for `model`: its context length and capabilities, each absent when Ollama does not
 * answer in time, does not have the model, or does not say. Never throws.
 */
export async function lookUpModelInfo(ollamaUrl: string, model: string): Promise<ModelInfo> {
  try {
    const response = await fetch(`${ollamaUrl}/api/show`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ model }),
      signal: AbortSignal.timeout(LOOKUP_TIMEOUT_MS),
    });
    if (!response.ok) {
      await response.body?.cancel();
      return {};
    }
    const shown = await response.json();
    const info = shown?.model_info ?? {};
    const length = info[`${info["general.architecture"]}.context_length`];
    const capabilities = shown?.capabilities;
    return {
      ...(typeof length === "number" && length > 0 && { contextLength: length }),
      ...(Array.isArray(capabilities) && { capabilities: capabilities.map(String) }),
    };
  } catch {
    return {};
  }
}
