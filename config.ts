/**
 * The gateway's configuration: environment variables read once at startup, validated, and turned
 * into a typed {@link Config}. A bad value stops startup with a {@link ConfigError} that names the
 * variable, so an operator never runs a half-configured gateway.
 *
 * @example Defaults, a setting, and a bad value
 * ```ts
 * import { assertEquals, assertThrows } from "@std/assert";
 * import { ConfigError, loadConfig } from "./config.ts";
 *
 * const config = loadConfig({ OLLAMA_API_KEY: "a-long-secret-key-1234", PORT: "8080" });
 * assertEquals(config.port, 8080);
 * assertEquals(config.ollamaUrl, "http://127.0.0.1:11434");
 * assertEquals(config.defaultModel, "qwen3:4b");
 *
 * assertThrows(
 *   () => loadConfig({ PORT: "eighty" }),
 *   ConfigError,
 *   'PORT must be a whole number from 1 to 65535, not "eighty"',
 * );
 * ```
 *
 * @module
 */

import { LOG_LEVELS, type LogLevel } from "./server/logger.ts";

/** Everything the gateway needs to know about its surroundings. */
export interface Config {
  /** Port the gateway listens on (`PORT`). */
  port: number;
  /** Address the gateway binds to (`HOST`). */
  host: string;
  /** Base URL of the Ollama server, without a trailing slash (`OLLAMA_URL`). */
  ollamaUrl: string;
  /**
   * Base URL of an OpenAI-compatible engine (vLLM, SGLang, TGI…) to front instead of Ollama,
   * without a trailing slash, e.g. `http://vllm:8000/v1` (`OPENAI_BASE_URL`); unset for Ollama.
   */
  engineUrl?: string;
  /** Key sent to the engine as `Authorization: Bearer` (`OPENAI_API_KEY`); never a client's. */
  engineKey?: string;
  /** Model used when a request names none (`OLLAMA_MODEL`). */
  defaultModel: string;
  /** Accepted Bearer keys (`OLLAMA_API_KEY`, comma-separated). */
  apiKeys: string[];
  /** True when no key was configured and {@link apiKeys} holds one generated at startup. */
  keyGenerated: boolean;
  /**
   * Largest accepted request body in bytes, on every route that takes one (`MAX_BODY_BYTES`).
   * 8 MiB by default: the chat page sends images scaled to 1024 pixels (JPEG, mostly 100 to 300
   * KB, a third more in base64), four a question, and re-sends earlier questions' images in the
   * history up to 6 MiB of them; 8 MiB holds that with room for the text.
   */
  maxBodyBytes: number;
  /** Whether clients may pull, push, create, copy and delete models (`ALLOW_MODEL_MANAGEMENT`). */
  allowModelManagement: boolean;
  /** Milliseconds to wait for Ollama's response headers before a 504 (`FIRST_BYTE_TIMEOUT_S`). */
  firstByteTimeoutMs: number;
  /** Milliseconds of silence from Ollama mid-answer before it is ended (`IDLE_TIMEOUT_S`). */
  idleTimeoutMs: number;
  /** Milliseconds `/healthz` waits for Ollama before reporting it down. */
  healthTimeoutMs: number;
  /**
   * Largest context window, in tokens, the gateway asks Ollama for (`num_ctx`) on `/chat_api`
   * (`MAX_CONTEXT_TOKENS`); never more than the model's own.
   */
  maxContextTokens: number;
  /**
   * Generation requests the gateway keeps at once, running and waiting in line together
   * (`MAX_CONCURRENT_REQUESTS`); beyond it a request is turned away with `429`.
   */
  maxConcurrentRequests: number;
  /**
   * Generation requests sent to Ollama at once, read from Ollama's own `OLLAMA_NUM_PARALLEL` so one
   * variable governs both; the rest wait in line in the gateway, in arrival order.
   */
  numParallel: number;
  /** Milliseconds a request may wait in line before it is turned away as busy (`QUEUE_TIMEOUT_S`). */
  queueTimeoutMs: number;
  /** Milliseconds a request body may take to arrive in full (`BODY_TIMEOUT_S`). */
  bodyTimeoutMs: number;
  /** Milliseconds a `/chat_api` request waits for its answer to begin before status lines start. */
  statusDelayMs: number;
  /** Longest gap, in milliseconds, between two `/chat_api` status lines (a keep-alive). */
  statusIntervalMs: number;
  /**
   * Failed authentications from one client within {@link authFailureWindowMs} after which it is
   * blocked for the rest of that window (`AUTH_FAILURE_LIMIT`).
   */
  authFailureLimit: number;
  /** Length of the window in which failed authentications are counted, in milliseconds. */
  authFailureWindowMs: number;
  /**
   * Proxies in front of the gateway that append to `X-Forwarded-For` (`TRUST_PROXY`): with `n`,
   * the client is the `n`-th entry from the right; with `0`, the socket peer.
   */
  trustProxy: number;
  /** Most connections open at once; lowered to what the open-file limit holds (`MAX_CONNECTIONS`). */
  maxConnections: number;
  /** Milliseconds a new connection has to send its request headers (`HEADER_TIMEOUT_S`). */
  headerTimeoutMs: number;
  /** Milliseconds a connection may sit idle between requests (`KEEP_ALIVE_TIMEOUT_S`). */
  keepAliveTimeoutMs: number;
  /** Milliseconds answers in flight get to finish once shutdown begins (`SHUTDOWN_GRACE_S`). */
  shutdownGraceMs: number;
  /** Browser origins allowed to call the API routes; empty means CORS is off (`CORS_ORIGINS`). */
  corsOrigins: string[];
  /** Least severe log level written (`LOG_LEVEL`). */
  logLevel: LogLevel;
}

/** Environment as a plain lookup, so tests can pass an object instead of `Deno.env`. */
export type Env = Record<string, string | undefined>;

/** A configuration value that cannot be used; the message names the variable. */
export class ConfigError extends Error {
  override name = "ConfigError";
}

/** Characters a Bearer token may contain (RFC 6750 `b64token`), as `hono/bearer-auth` checks. */
const TOKEN_PATTERN = /^[A-Za-z0-9._~+/-]+=*$/;

/** Reads and validates the configuration from `env`; throws {@link ConfigError} on a bad value. */
export function loadConfig(env: Env): Config {
  const configured = parseKeys(env.OLLAMA_API_KEY);
  return {
    port: parsePort(env.PORT),
    host: parseHost(env.HOST),
    ollamaUrl: parseUrl(env.OLLAMA_URL),
    ...parseEngine(env.OPENAI_BASE_URL, env.OPENAI_API_KEY),
    defaultModel: parseModel(env.OLLAMA_MODEL),
    apiKeys: configured.length > 0 ? configured : [generateKey()],
    keyGenerated: configured.length === 0,
    maxBodyBytes: parseWholeNumber("MAX_BODY_BYTES", env.MAX_BODY_BYTES, 8 * 1024 * 1024),
    allowModelManagement: parseFlag("ALLOW_MODEL_MANAGEMENT", env.ALLOW_MODEL_MANAGEMENT, false),
    firstByteTimeoutMs: 1000 *
      parseWholeNumber("FIRST_BYTE_TIMEOUT_S", env.FIRST_BYTE_TIMEOUT_S, 300, MAX_SECONDS),
    idleTimeoutMs: 1000 *
      parseWholeNumber("IDLE_TIMEOUT_S", env.IDLE_TIMEOUT_S, 120, MAX_SECONDS),
    healthTimeoutMs: 1_000,
    maxContextTokens: parseWholeNumber(
      "MAX_CONTEXT_TOKENS",
      env.MAX_CONTEXT_TOKENS,
      8192,
      { min: 1024, max: 1_048_576 },
    ),
    maxConcurrentRequests: parseWholeNumber(
      "MAX_CONCURRENT_REQUESTS",
      env.MAX_CONCURRENT_REQUESTS,
      32,
    ),
    // Ollama takes 0 as 1.
    numParallel: Math.max(
      1,
      parseWholeNumber("OLLAMA_NUM_PARALLEL", env.OLLAMA_NUM_PARALLEL, 1, { min: 0 }),
    ),
    queueTimeoutMs: 1000 *
      parseWholeNumber("QUEUE_TIMEOUT_S", env.QUEUE_TIMEOUT_S, 600, MAX_SECONDS),
    bodyTimeoutMs: 1000 * parseWholeNumber("BODY_TIMEOUT_S", env.BODY_TIMEOUT_S, 30, MAX_SECONDS),
    statusDelayMs: 1_000,
    statusIntervalMs: 5_000,
    authFailureLimit: parseWholeNumber("AUTH_FAILURE_LIMIT", env.AUTH_FAILURE_LIMIT, 10),
    authFailureWindowMs: 60_000,
    trustProxy: parseProxyCount(env.TRUST_PROXY),
    maxConnections: parseWholeNumber("MAX_CONNECTIONS", env.MAX_CONNECTIONS, 2000),
    headerTimeoutMs: 1000 *
      parseWholeNumber("HEADER_TIMEOUT_S", env.HEADER_TIMEOUT_S, 10, MAX_SECONDS),
    keepAliveTimeoutMs: 1000 *
      parseWholeNumber("KEEP_ALIVE_TIMEOUT_S", env.KEEP_ALIVE_TIMEOUT_S, 75, MAX_SECONDS),
    shutdownGraceMs: 1000 *
      parseWholeNumber("SHUTDOWN_GRACE_S", env.SHUTDOWN_GRACE_S, 10, { ...MAX_SECONDS, min: 0 }),
    corsOrigins: parseOrigins("CORS_ORIGINS", env.CORS_ORIGINS),
    logLevel: parseChoice("LOG_LEVEL", env.LOG_LEVEL, LOG_LEVELS, "info"),
  };
}

/** A fresh key: 32 random bytes as base64url, 43 characters (like `secrets.token_urlsafe(32)`). */
export function generateKey(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(32));
  return btoa(String.fromCharCode(...bytes))
    .replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
}

function parsePort(value = "7860"): number {
  const port = Number(value.trim());
  if (!/^\d+$/.test(value.trim()) || port < 1 || port > 65535) {
    throw new ConfigError(`PORT must be a whole number from 1 to 65535, not "${value}"`);
  }
  return port;
}

function parseHost(value = "0.0.0.0"): string {
  const host = value.trim();
  if (host === "" || /\s/.test(host)) {
    throw new ConfigError(`HOST must be an address such as 0.0.0.0 or 127.0.0.1, not "${value}"`);
  }
  return host;
}

function parseUrl(value = "http://127.0.0.1:11434"): string {
  let url: URL;
  try {
    url = new URL(value.trim());
  } catch {
    throw new ConfigError(
      `OLLAMA_URL must be a URL such as http://127.0.0.1:11434, not "${value}"`,
    );
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new ConfigError(`OLLAMA_URL must start with http:// or https://, not "${value}"`);
  }
  if (url.username || url.password || url.search || url.hash) {
    throw new ConfigError("OLLAMA_URL must not carry credentials, a query or a fragment");
  }
  return url.href.replace(/\/+$/, "");
}

/**
 * The engine's base URL and key, or nothing when `OPENAI_BASE_URL` is unset. The URL is read as
 * the OpenAI SDKs read it: the API's paths (`/chat/completions`, `/models`) are appended to it, so
 * it includes the API's own path, usually `/v1`. A bare host is refused: no engine serves its
 * OpenAI API at the root, and forgetting `/v1` is the usual mistake.
 */
function parseEngine(
  baseUrl: string | undefined,
  key: string | undefined,
): Pick<Config, "engineUrl" | "engineKey"> {
  const text = baseUrl?.trim() ?? "";
  if (text === "") return {};
  const url = URL.parse(text);
  const example = "such as http://vllm:8000/v1";
  if (!url || (url.protocol !== "http:" && url.protocol !== "https:")) {
    throw new ConfigError(
      `OPENAI_BASE_URL must be an http:// or https:// URL ${example}, not "${baseUrl}"`,
    );
  }
  if (url.username || url.password || url.search || url.hash) {
    throw new ConfigError(
      "OPENAI_BASE_URL must not carry credentials, a query or a fragment (the engine's key goes " +
        "in OPENAI_API_KEY)",
    );
  }
  if (url.pathname.replace(/\/+$/, "") === "") {
    throw new ConfigError(
      `OPENAI_BASE_URL must include the path of the engine's OpenAI API, usually /v1 (${example}), ` +
        `not "${baseUrl}"`,
    );
  }
  const engineKey = key?.trim() ?? "";
  // The key stays out of the message: it is a secret, and messages end up in logs.
  if (engineKey !== "" && !TOKEN_PATTERN.test(engineKey)) {
    throw new ConfigError(
      "OPENAI_API_KEY has characters a Bearer token cannot carry; use letters, digits and " +
        "- . _ ~ + / (and = only at the end)",
    );
  }
  return {
    engineUrl: url.href.replace(/\/+$/, ""),
    ...(engineKey !== "" && { engineKey }),
  };
}

function parseModel(value = "qwen3:4b"): string {
  const model = value.trim();
  if (model === "" || /\s/.test(model)) {
    throw new ConfigError(`OLLAMA_MODEL must be a model name such as qwen3:4b, not "${value}"`);
  }
  return model;
}

/** Fewest characters a configured key may have: shorter ones are guessed too easily. */
export const MIN_KEY_LENGTH = 16;

/** How to make a good key, for the messages that refuse a bad one. */
const MAKE_A_KEY = "make one with `openssl rand -base64 32` or " +
  '`deno eval "console.log(crypto.randomUUID())"`';

function parseKeys(value = ""): string[] {
  const keys = value.split(",").map((key) => key.trim()).filter((key) => key !== "");
  for (const [index, key] of keys.entries()) {
    // The key itself stays out of the message: it is a secret, and messages end up in logs.
    const which = `OLLAMA_API_KEY: key ${index + 1} of ${keys.length}`;
    if (!TOKEN_PATTERN.test(key)) {
      throw new ConfigError(
        `${which} has characters a Bearer token cannot carry; use letters, digits and ` +
          `- . _ ~ + / (and = only at the end), or ${MAKE_A_KEY}`,
      );
    }
    if (key.length < MIN_KEY_LENGTH) {
      throw new ConfigError(
        `${which} is ${key.length} character${
          key.length === 1 ? "" : "s"
        } long; a key needs at least ${MIN_KEY_LENGTH}, ` +
          `or it can be guessed: ${MAKE_A_KEY}`,
      );
    }
  }
  return keys;
}

/** `TRUST_PROXY` as a number of proxies: `true`/`yes` mean 1, `false`/`no` 0, or a whole number. */
function parseProxyCount(value: string | undefined): number {
  const text = value?.trim().toLowerCase() ?? "";
  if (text === "") return 0;
  const flag = FLAGS.get(text);
  if (flag !== undefined && !/^\d+$/.test(text)) return flag ? 1 : 0;
  if (/^\d+$/.test(text) && Number(text) <= MAX_PROXIES) return Number(text);
  throw new ConfigError(
    `TRUST_PROXY must be the number of proxies in front of the gateway, from 0 to ${MAX_PROXIES} ` +
      `(true means 1, false 0), not "${value}"`,
  );
}

/** More proxies than anyone chains; a bigger number is a mistake. */
const MAX_PROXIES = 10;

/** `value` as a whole number from `min` to `max`; `fallback` when unset or empty. */
function parseWholeNumber(
  name: string,
  value: string | undefined,
  fallback: number,
  { min = 1, max = Number.MAX_SAFE_INTEGER } = {},
): number {
  const text = value?.trim() ?? "";
  if (text === "") return fallback;
  const number = Number(text);
  if (!/^\d+$/.test(text) || number < min || number > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `of at least ${min}` : `from ${min} to ${max}`;
    throw new ConfigError(`${name} must be a whole number ${range}, not "${value}"`);
  }
  return number;
}

/** Longest timeout in seconds: a day, far below what timers can count (about 24 days). */
const MAX_SECONDS = { max: 86_400 };

const FLAGS = new Map([
  ["true", true],
  ["yes", true],
  ["1", true],
  ["false", false],
  ["no", false],
  ["0", false],
]);

function parseFlag(name: string, value: string | undefined, fallback: boolean): boolean {
  const text = value?.trim().toLowerCase() ?? "";
  if (text === "") return fallback;
  const flag = FLAGS.get(text);
  if (flag === undefined) {
    throw new ConfigError(`${name} must be true or false (or yes/no, 1/0), not "${value}"`);
  }
  return flag;
}

/** `value` as one of `choices`, in any case; `fallback` when unset or empty. */
function parseChoice<T extends string>(
  name: string,
  value: string | undefined,
  choices: readonly T[],
  fallback: T,
): T {
  const text = value?.trim().toLowerCase() ?? "";
  if (text === "") return fallback;
  const choice = choices.find((candidate) => candidate === text);
  if (choice === undefined) {
    throw new ConfigError(`${name} must be one of ${choices.join(", ")}, not "${value}"`);
  }
  return choice;
}

/** `value` as a comma-separated list of web origins such as `https://example.com`. */
function parseOrigins(name: string, value = ""): string[] {
  const origins = value.split(",").map((item) => item.trim()).filter((item) => item !== "");
  for (const origin of origins) {
    if (URL.parse(origin)?.origin !== origin) {
      throw new ConfigError(
        `${name} must list origins such as https://example.com (scheme, host and port if ` +
          `any, no path or trailing slash), separated by commas; "${origin}" is not one`,
      );
    }
  }
  return origins;
}
