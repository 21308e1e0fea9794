/**
 * Whether Ollama holds a model in memory, from its `GET /api/ps`: it lists the loaded models and
 * nothing else, so a model missing there must be loaded before it can answer (after start, or
 * once `OLLAMA_KEEP_ALIVE` has passed without a request).
 *
 * @example
 * ```ts
 * import { assert } from "@std/assert";
 * import { listsModel } from "./loaded_models.ts";
 *
 * const ps = { models: [{ name: "qwen3:4b", model: "qwen3:4b" }, { name: "phi3:latest" }] };
 * assert(listsModel(ps, "qwen3:4b"));
 * assert(listsModel(ps, "phi3"), "no tag means :latest");
 * assert(!listsModel(ps, "llama3.2:1b"));
 * ```
 *
 * @module
 */

/**
 * Whether Ollama at `ollamaUrl` has `model` loaded; `undefined` when `/api/ps` gave no usable
 * answer within `timeoutMs`. Never throws.
 */
export async function isModelLoaded(
  ollamaUrl: string,
  model: string,
  timeoutMs: number,
): Promise<boolean | undefined> {
  try {
    const response = await fetch(`${ollamaUrl}/api/ps`, {
      signal: AbortSignal.timeout(timeoutMs),
    });
    if (!response.ok) {
      await response.body?.cancel();
      return undefined;
    }
    return listsModel(await response.json(), model);
  } catch {
    return undefined;
  }
}

/** Whether the body of an `/api/ps` answer lists `model` (a name without a tag means `:latest`). */
export function listsModel(ps: unknown, model: string): boolean {
  const models = (ps as { models?: unknown })?.models;
  if (!Array.isArray(models)) return false;
  const wanted = withTag(model);
  return models.some((entry) =>
    [entry?.name, entry?.model].some((name) => typeof name === "string" && withTag(name) === wanted)
  );
}

/** `name` with `:latest` added when it has no tag (a `:` after its last `/`). */
function withTag(name: string): string {
  return name.slice(name.lastIndexOf("/") + 1).includes(":") ? name : `${name}:latest`;
}
