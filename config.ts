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
  /** Model used when a request names none (`OLLAMA_MODEL`). */
  defaultModel: string;
  /** Accepted Bearer keys (`OLLAMA_API_KEY`, comma-separated). */
  apiKeys: string[];
  /** True when no key was configured and {@link apiKeys} holds one generated at startup. */
  keyGenerated: boolean;
  /** Largest accepted request body in bytes, on every route that takes one (`MAX_BODY_BYTES`). */
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
  /** Whether a client is the first `X-Forwarded-For` hop, not the socket peer (`TRUST_PROXY`). */
  trustProxy: boolean;
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
    defaultModel: parseModel(env.OLLAMA_MODEL),
    apiKeys: configured.length > 0 ? configured : [generateKey()],
    keyGenerated: configured.length === 0,
    maxBodyBytes: parseWholeNumber("MAX_BODY_BYTES", env.MAX_BODY_BYTES, 1024 * 1024),
    allowModelManagement: parseFlag("ALLOW_MODEL_MANAGEMENT", env.ALLOW_MODEL_MANAGEMENT, false),
    firstByteTimeoutMs: 1000 *
      parseWholeNumber("FIRST_BYTE_TIMEOUT_S", env.FIRST_BYTE_TIMEOUT_S, 300, MAX_SECONDS),
    idleTimeoutMs: 1000 *
      parseWholeNumber("IDLE_TIMEOUT_S", env.IDLE_TIMEOUT_S, 120, MAX_SECONDS),
    healthTimeoutMs: 1_000,
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
    trustProxy: parseFlag("TRUST_PROXY", env.TRUST_PROXY, false),
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

function parseModel(value = "qwen3:4b"): string {
  const model = value.trim();
  if (model === "" || /\s/.test(model)) {
    throw new ConfigError(`OLLAMA_MODEL must be a model name such as qwen3:4b, not "${value}"`);
  }
  return model;
}

function parseKeys(value = ""): string[] {
  const keys = value.split(",").map((key) => key.trim()).filter((key) => key !== "");
  for (const [index, key] of keys.entries()) {
    // The key itself stays out of the message: it is a secret, and messages end up in logs.
    if (!TOKEN_PATTERN.test(key)) {
      throw new ConfigError(
        `OLLAMA_API_KEY: key ${index + 1} of ${keys.length} has characters a Bearer token cannot ` +
          "carry; use letters, digits and - . _ ~ + / (and = only at the end)",
      );
    }
  }
  return keys;
}

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
