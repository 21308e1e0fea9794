/**
 * OllamaSpace's entry point: reads the configuration, prints a generated key if there is one,
 * serves the gateway within its connection limits (`server/serve.ts`), and shuts down gracefully
 * on SIGTERM or SIGINT (answers in flight get `SHUTDOWN_GRACE_S` to finish; see
 * `server/shutdown.ts`). With arguments it runs one of
 * the helper commands of `cli.ts` instead (`wait-for-ollama`, `healthcheck`) and exits
 * with its status.
 *
 * @module
 */

import { createApp } from "./app.ts";
import { type Config, ConfigError, loadConfig } from "./config.ts";
import { runCommand } from "./cli.ts";
import { createLogger } from "./server/logger.ts";
import { serveWithLimits } from "./server/serve.ts";
import { gracefulShutdown } from "./server/shutdown.ts";
import { loadStaticAssets } from "./server/static_assets.ts";

/** Reads the configuration or stops the process with a message naming the bad variable. */
function configOrExit(): Config {
  try {
    return loadConfig(Deno.env.toObject());
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    console.error(`OllamaSpace cannot start: ${error.message}`);
    Deno.exit(1);
  }
}

if (import.meta.main) {
  const config = configOrExit();
  if (Deno.args.length > 0) Deno.exit(await runCommand(Deno.args, config));
  if (config.keyGenerated) {
    // Printed once, on a line of its own that an operator can find in the logs.
    console.log(
      `OLLAMA_API_KEY is not set, so this run uses a generated key:\n` +
        `  API key: ${config.apiKeys[0]}\n` +
        "Set OLLAMA_API_KEY (a Space secret) to keep one key across restarts.",
    );
  }

  const log = createLogger(config.logLevel);
  const stopping = new AbortController();
  const server = serveWithLimits({
    port: config.port,
    hostname: config.host,
    maxConnections: config.maxConnections,
    headerTimeoutMs: config.headerTimeoutMs,
    keepAliveTimeoutMs: config.keepAliveTimeoutMs,
    log,
    onListen: ({ hostname, port }) =>
      log.info(
        `OllamaSpace listening on http://${hostname}:${port} (` +
          (config.engineUrl
            ? `OpenAI-compatible engine at ${config.engineUrl}, `
            : `Ollama at ${config.ollamaUrl}, `) +
          `default model ${config.defaultModel})`,
      ),
  }, createApp(config, { assets: await loadStaticAssets(), shutdown: stopping.signal }).fetch);

  // Deno as PID 1 in a container crashes on SIGTERM without a listener.
  const shutDown = gracefulShutdown(server, stopping, config.shutdownGraceMs, log);
  for (const signal of ["SIGTERM", "SIGINT"] as const) {
    Deno.addSignalListener(signal, () => shutDown(signal).then(() => Deno.exit(0)));
  }
}
