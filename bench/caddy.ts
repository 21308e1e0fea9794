/**
 * Caddy as target (i): Debian's Caddy 2 relaying like the gateway's passthrough, as one process
 * in the foreground (`caddy run`, Go's threads in it), from a Caddyfile in its temporary folder
 * (`bench/peer_proxy.ts` starts it). Its `reverse_proxy` flushes every write to the client at once
 * (`flush_interval -1`: no response buffering, so each token leaves as it came) and keeps up to
 * 1,024 idle HTTP/1.1 connections to the upstream (as nginx's `keepalive 1024`); no access log
 * (Caddy writes none unless a site asks), other logs at `ERROR` only, no admin endpoint, no
 * automatic HTTPS, and its config and data folders (`XDG_CONFIG_HOME`, `XDG_DATA_HOME`) inside the
 * temporary folder.
 *
 * @module
 */

import { findProgram, type PeerProxy } from "./peer_proxy.ts";

/** Caddy as the bench runs it. */
export const CADDY: PeerProxy = {
  name: "caddy",
  letter: "(i)",
  install: "sudo apt-get install -y --no-install-recommends caddy",
  configFile: "Caddyfile",
  config: caddyConfig,
  args: (_folder, configPath) => ["run", "--config", configPath, "--adapter", "caddyfile"],
  env: (folder) => ({ XDG_CONFIG_HOME: folder, XDG_DATA_HOME: folder }),
};

/** Path of the caddy program (`/usr/bin/caddy` on Debian), or undefined when not installed. */
export function findCaddy(): string | undefined {
  return findProgram("caddy");
}

/**
 * A Caddyfile (Caddy 2.6's directives) relaying `127.0.0.1:port` to `upstreamUrl`.
 *
 * @example
 * ```ts
 * import { assertStringIncludes } from "@std/assert";
 * import { caddyConfig } from "./caddy.ts";
 *
 * const config = caddyConfig("/tmp/x", 8080, "http://127.0.0.1:11434");
 * assertStringIncludes(config, "reverse_proxy 127.0.0.1:11434 {");
 * assertStringIncludes(config, "flush_interval -1");
 * ```
 */
export function caddyConfig(_folder: string, port: number, upstreamUrl: string): string {
  const upstream = new URL(upstreamUrl).host;
  return `{
	admin off
	auto_https off
	log {
		output stderr
		level ERROR
	}
}

http://:${port} {
	bind 127.0.0.1
	reverse_proxy ${upstream} {
		flush_interval -1
		transport http {
			versions 1.1
			compression off
			keepalive 2m
			keepalive_idle_conns_per_host 1024
		}
	}
}
`;
}
