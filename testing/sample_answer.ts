/**
 * A representative model answer for layout checks and screenshots: prose with emphasis, a code
 * block with a long line, a numbered list, a table and a long link, in the fake Ollama's `reply`.
 *
 * @module
 */

/** The user's question the sample answers. */
export const SAMPLE_PROMPT = "How do I write the smallest web server in Deno?";

/** Reasoning a thinking model streams before the sample answer. */
export const SAMPLE_THINKING =
  "They want a minimal server. Deno.serve with a handler is the shortest form; mention the " +
  "permission flag and how to try it.";

/** The answer, in markdown. */
export const SAMPLE_ANSWER = [
  "The smallest one is a single call to **`Deno.serve`** with a handler:",
  "",
  "```ts",
  "Deno.serve((request) => new Response(`Hello from ${new URL(request.url).pathname}`));",
  "```",
  "",
  "Then:",
  "",
  "1. Run it with `deno run --allow-net server.ts`.",
  "2. Open http://localhost:8000/ in a browser.",
  "3. Edit, and add `--watch` to restart on every change.",
  "",
  "| Flag | What it does |",
  "| --- | --- |",
  "| `--allow-net` | lets the server listen and answer |",
  "| `--watch` | restarts it when a file changes |",
  "",
  "More in the manual: https://docs.deno.com/runtime/fundamentals/http_server/#a-very-long-anchor-that-goes-on",
].join("\n");
