/**
 * A stand-in for the `ollama` command, for running `start.sh` in tests (through the wrapper
 * `testing/bin/ollama`). Like the real CLI it finds the server through `OLLAMA_HOST`
 * (default `127.0.0.1:11434`; tests always set a free port):
 *
 * - `serve` runs the fake Ollama there, until SIGTERM. `STANDIN_OLLAMA_MODELS` (comma-separated)
 *   lists the installed models; `STANDIN_OLLAMA_START_DELAY_MS` makes it take that long to start
 *   listening; `STANDIN_OLLAMA_SERVE=unresponsive` makes it accept connections and never answer,
 *   as a server that hangs while starting. It says on stderr which `OLLAMA_KEEP_ALIVE` it got
 *   and whether `OLLAMA_API_KEY` reached it, for the tests to check what start.sh passes on.
 * - `list` and `show NAME` ask that server, print what the real CLI prints, and exit 1 with an
 *   `Error: …` line where it does (a model that is not installed, no server).
 *
 * @module
 */

import { startFakeOllama } from "./fake_ollama/mod.ts";

/** `host:port` of `OLLAMA_HOST`, read the way Ollama reads it. */
function ollamaAddress(): { hostname: string; port: number } {
  const address = (Deno.env.get("OLLAMA_HOST") || "127.0.0.1:11434").replace(/^\w+:\/\//, "");
  const match = address.match(/^(.*):(\d+)$/);
  return { hostname: match?.[1] || "127.0.0.1", port: Number(match?.[2] ?? 11434) };
}

function serverUrl(): string {
  const { hostname, port } = ollamaAddress();
  return `http://${hostname === "0.0.0.0" ? "127.0.0.1" : hostname}:${port}`;
}

/** `serve`: the fake Ollama on `OLLAMA_HOST`'s port until SIGTERM, then exit 0. */
async function serve() {
  const { port } = ollamaAddress();
  const delayMs = Number(Deno.env.get("STANDIN_OLLAMA_START_DELAY_MS") ?? 0);
  await new Promise((resolve) => setTimeout(resolve, delayMs));
  const models = Deno.env.get("STANDIN_OLLAMA_MODELS")?.split(",").filter(Boolean);
  const server = Deno.env.get("STANDIN_OLLAMA_SERVE") === "unresponsive"
    ? holdConnections(Deno.listen({ hostname: "127.0.0.1", port }))
    : startFakeOllama({ port, ...(models && { models }) });
  console.error(`ollama stand-in: serving on 127.0.0.1:${port}`);
  const keepAlive = Deno.env.get("OLLAMA_KEEP_ALIVE") ?? "(unset)";
  const apiKey = Deno.env.has("OLLAMA_API_KEY") ? "set" : "unset";
  console.error(`ollama stand-in: OLLAMA_KEEP_ALIVE=${keepAlive}, OLLAMA_API_KEY ${apiKey}`);
  Deno.addSignalListener("SIGTERM", async () => {
    await server.close();
    console.error("ollama stand-in: stopped on SIGTERM");
    Deno.exit(0);
  });
}

/** Accepts every connection on `listener` and never answers; runs until closed. */
function holdConnections(listener: Deno.Listener): Deno.Listener {
  (async () => {
    const held = [];
    for await (const connection of listener) held.push(connection);
  })();
  return listener;
}

/** Sends a request to the server, or exits 1 the way the CLI does when there is none. */
async function request(path: string, body?: unknown): Promise<Response> {
  try {
    return await fetch(serverUrl() + path, {
      method: body === undefined ? "GET" : "POST",
      ...(body !== undefined && { body: JSON.stringify(body) }),
    });
  } catch {
    return fail("could not connect to ollama server, run 'ollama serve' to start it");
  }
}

function fail(message: string): never {
  console.error(`Error: ${message}`);
  Deno.exit(1);
}

async function list() {
  const { models } = await (await request("/api/tags")).json();
  console.log("NAME".padEnd(16) + "ID              SIZE      MODIFIED");
  for (const model of models) {
    const size = `${(model.size / 1e9).toFixed(1)} GB`;
    console.log(
      model.name.padEnd(16) + model.digest.slice(0, 12).padEnd(16) + size.padEnd(10) +
        "3 weeks ago",
    );
  }
}

async function show(name: string) {
  const response = await request("/api/show", { model: name });
  if (response.status === 404) {
    await response.body?.cancel();
    fail(`model '${name}' not found`);
  }
  const info = await response.json();
  console.log(`  Model\n    architecture    ${info.details.family}`);
  console.log(`    parameters      ${info.details.parameter_size}`);
  console.log(`    quantization    ${info.details.quantization_level}\n`);
  console.log(`  Capabilities\n${info.capabilities.map((c: string) => `    ${c}`).join("\n")}`);
}

if (import.meta.main) {
  const [command, name] = Deno.args;
  switch (command) {
    case "serve":
      await serve();
      break;
    case "list":
      await list();
      break;
    case "show":
      await show(name);
      break;
    default:
      fail(`unknown command "${command}" (the stand-in knows serve, list, show)`);
  }
}
