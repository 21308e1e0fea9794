/**
 * Ollama's generation options and the JSON type each must have. Ollama checks them only once it
 * schedules the request (`Options.FromMap` in its `api/types.go`) and answers a wrong type with a
 * `500` such as `option "temperature" must be of type float32`; {@link optionTypeProblem} lets the
 * gateway say the same with a `400` before anything reaches Ollama. Names Ollama does not know it
 * only logs, so they are not checked here either.
 *
 * @module
 */

/** The type of an option as Ollama names it in its error message. */
export type OptionType = "integer" | "float32" | "boolean" | "array";

/**
 * Every option of Ollama's `Options` and `Runner` (v0.12.6 to v0.32.x) with its type. An
 * `integer` takes any JSON number (Ollama drops the fraction), an `array` only strings.
 */
export const OLLAMA_OPTIONS: Readonly<Record<string, OptionType>> = {
  num_keep: "integer",
  seed: "integer",
  num_predict: "integer",
  top_k: "integer",
  top_p: "float32",
  min_p: "float32",
  typical_p: "float32",
  repeat_last_n: "integer",
  temperature: "float32",
  repeat_penalty: "float32",
  presence_penalty: "float32",
  frequency_penalty: "float32",
  stop: "array",
  num_ctx: "integer",
  num_batch: "integer",
  num_gpu: "integer",
  main_gpu: "integer",
  use_mmap: "boolean",
  num_thread: "integer",
  draft_num_predict: "integer",
};

/**
 * The first option of `options` whose value Ollama would refuse, with the type it wants, or
 * `undefined` when Ollama would take them all. `null` values are skipped, as Ollama skips them.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { optionTypeProblem } from "./options.ts";
 *
 * assertEquals(optionTypeProblem({ temperature: 0.2, stop: ["\n"], mood: "x" }), undefined);
 * assertEquals(optionTypeProblem({ temperature: "hot" }), { name: "temperature", type: "float32" });
 * assertEquals(optionTypeProblem({ stop: [1] }), { name: "stop", type: "array" });
 * ```
 */
export function optionTypeProblem(
  options: Record<string, unknown>,
): { name: string; type: OptionType } | undefined {
  for (const [name, value] of Object.entries(options)) {
    const type = OLLAMA_OPTIONS[name];
    if (type === undefined || value === null || hasType(value, type)) continue;
    return { name, type };
  }
}

function hasType(value: unknown, type: OptionType): boolean {
  switch (type) {
    case "integer":
    case "float32":
      return typeof value === "number";
    case "boolean":
      return typeof value === "boolean";
    case "array":
      return Array.isArray(value) && value.every((item) => typeof item === "string");
  }
}
