/**
 * What the bench measures: the seven ways to reach the fake Ollama, and two to reach the fake
 * OpenAI-compatible engine (the gateway in engine mode, and a bare relay of the same SSE), each
 * started in front of a given fake as its own process, and the request each one is sent. Every
 * target gets the same question, with the same key and model, and must relay the same answer.
 *
 * @module
 */

import { CADDY } from "./caddy.ts";
import type { StreamRequest } from "./load_client.ts";
import { NGINX } from "./nginx.ts";
import { findProgram, missingNote, type PeerProxy, startPeerProxy } from "./peer_proxy.ts";
import { type ChildProcess, denoTaskArgs, freePort, startProcess } from "./processes.ts";

/** The key the bench's gateways accept (sent to every target alike). */
export const BENCH_KEY = "bench-key-0123456789";
/** A model the fake has installed that does not think, so every token is an answer token. */
export const BENCH_MODEL = "llama3.2:1b";
/** The fake engine's model that does not think. */
export const BENCH_ENGINE_MODEL = "meta-llama/Llama-3.2-1B-Instruct";
const PROMPT = "Benchmark";

/** A target ready to take requests. */
export interface RunningTarget {
  request: StreamRequest;
  /** The process that relays, whose CPU and memory the bench reads; none when direct. */
  relay?: ChildProcess;
}

/** The fake a target is measured in front of. */
export type FakeKind = "ollama" | "engine";

/** A way to reach a fake that the bench compares. */
export interface Target {
  /** Row name in the tables. */
  name: string;
  /** What the row measures, for the legend. */
  description: string;
  /** The fake it relays: the fake Ollama unless said. */
  fake?: FakeKind;
  /** Starts it in front of the fake at `fakeUrl`, or says in words why it is not available. */
  start(fakeUrl: string): Promise<RunningTarget | string>;
}

/** Every target, in table order. */
export const TARGETS: Target[] = [
  {
    name: "direct",
    description: "(a) the fake Ollama itself, no relay",
    start: (fakeUrl) => Promise.resolve({ request: ollamaChat(`${fakeUrl}/api/chat`) }),
  },
  {
    name: "/chat_api",
    description: "(b) the gateway's /chat_api, normalizing the stream",
    async start(fakeUrl) {
      const { url, relay } = await startGateway(fakeUrl);
      return { request: gatewayChat(`${url}/chat_api`), relay };
    },
  },
  {
    name: "passthrough",
    description: "(c) the gateway's /api/chat passthrough",
    async start(fakeUrl) {
      const { url, relay } = await startGateway(fakeUrl);
      const request = ollamaChat(`${url}/api/chat`);
      const { headers, body } = request;
      const probe = await fetch(request.url, { method: "POST", headers, body });
      await probe.body?.cancel();
      if (probe.headers.get("content-type")?.includes("ndjson")) return { request, relay };
      await relay.stop();
      return `the gateway answers POST /api/chat with HTTP ${probe.status}, not a stream: ` +
        "no passthrough yet";
    },
  },
  {
    name: "bare relay",
    description: "(d) Deno.serve + fetch + one identity TransformStream (bench/bare_relay.ts)",
    start: (fakeUrl) => startBareRelay(fakeUrl, { native: false }),
  },
  peerTarget(NGINX, "nginx, proxy_buffering off, HTTP/1.1 keep-alive upstream (bench/nginx.ts)"),
  peerTarget(
    CADDY,
    "Caddy, reverse_proxy with flush_interval -1, HTTP/1.1 keep-alive upstream (bench/caddy.ts)",
  ),
  {
    name: "native relay",
    description:
      "(f) Deno.serve + fetch, the upstream body returned untouched (bench/bare_relay.ts)",
    start: (fakeUrl) => startBareRelay(fakeUrl, { native: true }),
  },
  {
    name: "/chat_api (engine)",
    description: "(g) the gateway's /chat_api in front of the fake engine (OPENAI_BASE_URL), " +
      "converting its SSE",
    fake: "engine",
    async start(fakeUrl) {
      const { url, relay } = await startGateway(fakeUrl, { OPENAI_BASE_URL: `${fakeUrl}/v1` });
      return { request: gatewayChat(`${url}/chat_api`, BENCH_ENGINE_MODEL), relay };
    },
  },
  {
    name: "bare relay (SSE)",
    description: "(h) bench/bare_relay.ts (as (d)) in front of the fake engine",
    fake: "engine",
    start: (fakeUrl) => startBareRelay(fakeUrl, { native: false, sse: true }),
  },
];

/** The foreign reverse proxies among the targets, which may not be installed. */
export const PEERS: PeerProxy[] = [NGINX, CADDY];

/** The peers whose program is not installed here. */
export function missingPeers(): PeerProxy[] {
  return PEERS.filter((peer) => findProgram(peer.name) === undefined);
}

/** The target that relays through `peer`, asked Ollama's question. */
function peerTarget(peer: PeerProxy, description: string): Target {
  return {
    name: peer.name,
    description: `${peer.letter} ${description}`,
    async start(fakeUrl) {
      const program = findProgram(peer.name);
      if (program === undefined) return missingNote(peer);
      const { url, relay } = await startPeerProxy(peer, program, fakeUrl);
      return { request: ollamaChat(`${url}/api/chat`), relay };
    },
  };
}

/**
 * Starts the fake Ollama (or the fake engine), its tokens `delayMs` apart, answering every
 * question with `reply`.
 */
export async function startFake(reply: string, delayMs: number, kind: FakeKind = "ollama"): Promise<
  ChildProcess & {
    url: string;
  }
> {
  const port = freePort();
  const [name, task, prefix] = kind === "engine"
    ? ["the fake engine", "fake-engine", "FAKE_ENGINE"]
    : ["the fake Ollama", "fake-ollama", "FAKE_OLLAMA"];
  const fake = await startProcess(name, Deno.execPath(), denoTaskArgs(task), {
    PORT: String(port),
    [`${prefix}_DELAY_MS`]: String(delayMs),
    [`${prefix}_REPLY`]: reply,
  }, port);
  return { ...fake, url: `http://127.0.0.1:${port}` };
}

/**
 * `bench/bare_relay.ts` in front of the fake at `fakeUrl`, relaying natively or through JS, asked
 * Ollama's question or (`sse`) the engine's.
 */
async function startBareRelay(
  fakeUrl: string,
  { native, sse = false }: { native: boolean; sse?: boolean },
) {
  const port = freePort();
  const relay = await startProcess(
    native ? "the native relay" : "the bare relay",
    Deno.execPath(),
    ["run", "--allow-net", "--allow-env", "bench/bare_relay.ts"],
    { PORT: String(port), UPSTREAM_URL: fakeUrl, BARE_RELAY_NATIVE: String(native) },
    port,
  );
  const url = `http://127.0.0.1:${port}`;
  return {
    request: sse ? engineChat(`${url}/v1/chat/completions`) : ollamaChat(`${url}/api/chat`),
    relay,
  };
}

/**
 * The gateway as `deno task start` runs it, for Ollama at `fakeUrl` (or, by `env`, an engine), with
 * `env` on top. By default it measures the relay, not the queue: 1,000 streams at once all go
 * upstream at once.
 */
export async function startGateway(fakeUrl: string, env: Record<string, string> = {}) {
  const port = freePort();
  const relay = await startProcess("the gateway", Deno.execPath(), denoTaskArgs("start"), {
    PORT: String(port),
    HOST: "127.0.0.1",
    OLLAMA_URL: fakeUrl,
    OLLAMA_API_KEY: BENCH_KEY,
    OLLAMA_MODEL: BENCH_MODEL,
    MAX_CONCURRENT_REQUESTS: "100000",
    OLLAMA_NUM_PARALLEL: "100000",
    ...env,
  }, port);
  return { url: `http://127.0.0.1:${port}`, relay };
}

const headers = { authorization: `Bearer ${BENCH_KEY}`, "content-type": "application/json" };

/** The bench question in Ollama's own shape. */
function ollamaChat(url: string): StreamRequest {
  const body = {
    model: BENCH_MODEL,
    messages: [{ role: "user", content: PROMPT }],
    think: false,
    stream: true,
  };
  return { url, headers, body: JSON.stringify(body) };
}

/** The bench question in the shape of the gateway's `/chat_api`. */
export function gatewayChat(url: string, model = BENCH_MODEL): StreamRequest {
  return {
    url,
    headers,
    body: JSON.stringify({ prompt: PROMPT, model, think: false }),
  };
}

/** The bench question as the gateway in engine mode sends it to the engine (`toEngineChat`). */
function engineChat(url: string): StreamRequest {
  const body = {
    model: BENCH_ENGINE_MODEL,
    messages: [{ role: "user", content: PROMPT }],
    stream: true,
    stream_options: { include_usage: true },
    reasoning_effort: "none",
  };
  return { url, headers, body: JSON.stringify(body) };
}
