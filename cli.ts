/**
 * The gateway binary's helper commands, for a container that has no curl:
 *
 * ```
 * ollamaspace wait-for-ollama [--timeout SECONDS]   wait until Ollama answers at OLLAMA_URL
 * ollamaspace pull-model NAME                       pull a model, with progress a log can hold
 * ollamaspace preload-model NAME                    load a model into memory
 * ollamaspace healthcheck                           is this container's gateway up, with Ollama?
 * ```
 *
 * `start.sh` runs the first three (see `ollama/model_setup.ts` for the middle two); Docker's
 * `HEALTHCHECK` runs the last.
 * Each prints a line or two about how it went (URLs and the model name, never a key) and returns
 * an exit status: 0 when all is well, 1 when not, 2 for a command line it does not understand.
 *
 * @module
 */

import type { Config } from "./config.ts";
import { isOllamaUp } from "./ollama/client.ts";
import { ContextSizer } from "./ollama/context.ts";
import { preloadModel, pullModel } from "./ollama/model_setup.ts";

/** Seconds `wait-for-ollama` waits when not told. */
const DEFAULT_WAIT_SECONDS = 60;

/** How to call the binary, shown for `--help` and for a command line that makes no sense. */
const USAGE = `Usage:
  ollamaspace                                serve the gateway (settings from the environment)
  ollamaspace wait-for-ollama [--timeout S]  wait up to S seconds (default ${DEFAULT_WAIT_SECONDS})
                                             until Ollama answers at OLLAMA_URL; exit 1 if not
  ollamaspace pull-model NAME                pull model NAME into Ollama, printing progress
                                             at most every 5 s; exit 1 if it fails
  ollamaspace preload-model NAME             load model NAME into Ollama's memory with the
                                             gateway's first context window; exit 1 if not
  ollamaspace healthcheck                    exit 0 if the gateway on PORT answers /healthz
                                             and reaches Ollama, else 1`;

/** Pause between two attempts to reach Ollama while waiting for it. */
const POLL_INTERVAL_MS = 200;
/** Longest a single attempt may take, so a server that accepts but never answers is retried. */
const ATTEMPT_TIMEOUT_MS = 2_000;
/** How long the health check waits for the gateway's `/healthz`. */
const HEALTHCHECK_TIMEOUT_MS = 5_000;

/** Runs the command named by `args` (not empty) for `config`; resolves to its exit status. */
export async function runCommand(args: string[], config: Config): Promise<number> {
  const [command, ...options] = args;
  switch (command) {
    case "wait-for-ollama": {
      const timeoutSeconds = parseTimeout(options);
      if (timeoutSeconds === undefined) {
        return usageError("wait-for-ollama takes --timeout and a number of seconds above 0");
      }
      return await waitForOllama(config.ollamaUrl, timeoutSeconds * 1000) ? 0 : 1;
    }
    case "pull-model":
    case "preload-model": {
      const [model, ...rest] = options;
      if (!model || rest.length > 0) return usageError(`${command} takes one model name`);
      if (command === "pull-model") return await pullModel(config.ollamaUrl, model) ? 0 : 1;
      const numCtx = await new ContextSizer(config).initialWindow(model);
      return await preloadModel(config.ollamaUrl, model, numCtx) ? 0 : 1;
    }
    case "healthcheck":
      if (options.length > 0) return usageError("healthcheck takes no options");
      return await healthcheck(config) ? 0 : 1;
    case "help":
    case "--help":
    case "-h":
      console.log(USAGE);
      return 0;
    default:
      return usageError(`unknown command "${command}"`);
  }
}

/**
 * Polls `GET /` on Ollama at `ollamaUrl` until it says "Ollama is running", for at most
 * `timeoutMs`. Resolves to whether it did; says so on the console either way.
 */
export async function waitForOllama(ollamaUrl: string, timeoutMs: number): Promise<boolean> {
  const started = performance.now();
  const deadline = started + timeoutMs;
  console.log(`Waiting up to ${timeoutMs / 1000} s for Ollama at ${ollamaUrl}`);
  for (;;) {
    const remaining = deadline - performance.now();
    if (await isOllamaUp(ollamaUrl, Math.min(ATTEMPT_TIMEOUT_MS, Math.max(remaining, 1)))) {
      const seconds = ((performance.now() - started) / 1000).toFixed(1);
      console.log(`Ollama is up at ${ollamaUrl} (after ${seconds} s)`);
      return true;
    }
    if (performance.now() + POLL_INTERVAL_MS >= deadline) break;
    await new Promise((resolve) => setTimeout(resolve, POLL_INTERVAL_MS));
  }
  console.error(
    `Ollama did not answer at ${ollamaUrl} within ${timeoutMs / 1000} s. ` +
      "Is `ollama serve` running, and does OLLAMA_URL point at it?",
  );
  return false;
}

/**
 * Asks the gateway of this container (`HOST`/`PORT` of `config`) for `/healthz`. Healthy means
 * it answers 200 and reaches Ollama (or the engine it fronts); prints its answer or what went
 * wrong.
 */
export async function healthcheck(config: Config): Promise<boolean> {
  const url = `http://${localAddress(config.host)}:${config.port}/healthz`;
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(HEALTHCHECK_TIMEOUT_MS) });
    const body = await response.text();
    const health = JSON.parse(body);
    const healthy = response.ok && (health?.ollama === "up" || health?.engine === "up");
    (healthy ? console.log : console.error)(
      `${healthy ? "healthy" : "unhealthy"}: ${url} answered ${response.status} ${body}`,
    );
    return healthy;
  } catch (error) {
    console.error(`unhealthy: ${url} did not answer (${(error as Error).message})`);
    return false;
  }
}

/** The address to reach this machine's gateway at, for a listening address `host`. */
function localAddress(host: string): string {
  if (host === "0.0.0.0" || host === "::" || host === "[::]") return "127.0.0.1";
  return host.includes(":") && !host.startsWith("[") ? `[${host}]` : host;
}

/** Seconds from `[--timeout S]`, or undefined when the options are not that. */
function parseTimeout(options: string[]): number | undefined {
  if (options.length === 0) return DEFAULT_WAIT_SECONDS;
  const [flag, value] = options;
  const seconds = Number(value);
  if (flag !== "--timeout" || options.length !== 2 || !(seconds > 0)) return undefined;
  return seconds;
}

function usageError(problem: string): number {
  console.error(`ollamaspace: ${problem}\n${USAGE}`);
  return 2;
}
