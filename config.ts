/**
 * The gateway's configuration: environment variables read once at startup, validated, and turned
 * into a typed {@link Config}. A bad value stops startup with a {@link ConfigError} that names the
 * variable, so an operator never runs a half-configured gateway.
 *
 * @module
 */

import { LOG_LEVELS, type LogLevel } from "./lib/logger.ts";

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
  /** Largest accepted request body in bytes. */
  maxBodyBytes: number;
  /** Milliseconds to wait for Ollama's response headers before a 504 (`FIRST_BYTE_TIMEOUT_S`). */
  firstByteTimeoutMs: number;
  /** Milliseconds of silence from Ollama mid-answer before it is ended (`IDLE_TIMEOUT_S`). */
  idleTimeoutMs: number;
  /** Milliseconds `/healthz` waits for Ollama before reporting it down. */
  healthTimeoutMs: number;
  /** Generation requests allowed in flight to Ollama at once (`MAX_CONCURRENT_REQUESTS`). */
  maxConcurrentRequests: number;
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
    port: parseWholeNumber("PORT", env, 7860, { min: 1, max: 65535 }),
    host: parseHost(env.HOST),
    ollamaUrl: parseUrl(env.OLLAMA_URL),
    defaultModel: parseModel(env.OLLAMA_MODEL),
    apiKeys: configured.length > 0 ? configured : [generateKey()],
    keyGenerated: configured.length === 0,
    maxBodyBytes: 1024 * 1024,
    firstByteTimeoutMs: 1000 * parseWholeNumber("FIRST_BYTE_TIMEOUT_S", env, 300, { min: 1 }),
    idleTimeoutMs: 1000 * parseWholeNumber("IDLE_TIMEOUT_S", env, 120, { min: 1 }),
    healthTimeoutMs: 1_000,
    maxConcurrentRequests: parseWholeNumber("MAX_CONCURRENT_REQUESTS", env, 32, { min: 1 }),
    authFailureLimit: parseWholeNumber("AUTH_FAILURE_LIMIT", env, 10, { min: 1 }),
    authFailureWindowMs: 60_000,
    trustProxy: parseFlag("TRUST_PROXY", env, false),
    shutdownGraceMs: 1000 * parseWholeNumber("SHUTDOWN_GRACE_S", env, 10, { min: 0 }),
    corsOrigins: parseOrigins("CORS_ORIGINS", env),
    logLevel: parseChoice("LOG_LEVEL", env, LOG_LEVELS, "info"),
  };
}

/** A fresh key: 32 random bytes as base64url, 43 characters (like `secrets.token_urlsafe(32)`). */
export function generateKey(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(32));
  return btoa(String.fromCharCode(...bytes))
    .replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
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

/** `env[name]` as a whole number from `min` to `max`; `fallback` when unset. */
function parseWholeNumber(
  name: string,
  env: Env,
  fallback: number,
  { min, max = Number.MAX_SAFE_INTEGER }: { min: number; max?: number },
): number {
  const value = env[name];
  if (value === undefined) return fallback;
  const number = Number(value.trim());
  if (!/^\d+$/.test(value.trim()) || number < min || number > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `of at least ${min}` : `from ${min} to ${max}`;
    throw new ConfigError(`${name} must be a whole number ${range}, not "${value}"`);
  }
  return number;
}

/** `env[name]` as true (`true`, `1`, `yes`) or false (`false`, `0`, `no`); `fallback` if unset. */
function parseFlag(name: string, env: Env, fallback: boolean): boolean {
  const value = env[name];
  if (value === undefined) return fallback;
  const word = value.trim().toLowerCase();
  if (["true", "1", "yes"].includes(word)) return true;
  if (["false", "0", "no"].includes(word)) return false;
  throw new ConfigError(`${name} must be true or false, not "${value}"`);
}

/** `env[name]` as one of `choices`; `fallback` when unset. */
function parseChoice<T extends string>(
  name: string,
  env: Env,
  choices: readonly T[],
  fallback: T,
): T {
  const value = env[name];
  if (value === undefined) return fallback;
  const choice = choices.find((candidate) => candidate === value.trim().toLowerCase());
  if (choice === undefined) {
    throw new ConfigError(`${name} must be one of ${choices.join(", ")}, not "${value}"`);
  }
  return choice;
}

/** `env[name]` as a comma-separated list of web origins such as `https://example.com`. */
function parseOrigins(name: string, env: Env): string[] {
  const origins = (env[name] ?? "").split(",").map((item) => item.trim()).filter((item) =>
    item !== ""
  );
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
