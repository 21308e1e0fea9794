/**
 * nginx as target (e): Debian's nginx relaying like the gateway's passthrough, streaming
 * (`proxy_buffering off`) over HTTP/1.1 keep-alive connections to the upstream, without access
 * log. It runs as one process (`master_process off`, one worker's work), in the foreground, with
 * every path under its temporary folder (`bench/peer_proxy.ts` starts it), so its CPU and memory
 * can be read from `/proc` like the Deno targets'.
 *
 * @module
 */

import { findProgram, type PeerProxy } from "./peer_proxy.ts";

/** nginx as the bench runs it. */
export const NGINX: PeerProxy = {
  name: "nginx",
  letter: "(e)",
  install: "sudo apt-get install -y --no-install-recommends nginx",
  configFile: "nginx.conf",
  config: nginxConfig,
  args: (folder, configPath) => ["-p", folder, "-c", configPath, "-e", "stderr"],
};

/** Path of the nginx program (`/usr/sbin/nginx` on Debian), or undefined when not installed. */
export function findNginx(): string | undefined {
  return findProgram("nginx");
}

/**
 * `nginx.conf` relaying `127.0.0.1:port` to `upstreamUrl`, with every file under `prefix`.
 *
 * @example
 * ```ts
 * import { assertStringIncludes } from "@std/assert";
 * import { nginxConfig } from "./nginx.ts";
 *
 * const config = nginxConfig("/tmp/x", 8080, "http://127.0.0.1:11434");
 * assertStringIncludes(config, "listen 127.0.0.1:8080;");
 * assertStringIncludes(config, "proxy_buffering off;");
 * ```
 */
export function nginxConfig(prefix: string, port: number, upstreamUrl: string): string {
  const upstream = new URL(upstreamUrl).host;
  return `daemon off;
master_process off;
worker_processes 1;
worker_rlimit_nofile 16384;
error_log ${prefix}/error.log warn;
pid ${prefix}/nginx.pid;

events {
  worker_connections 8192;
}

http {
  access_log off;
  client_body_temp_path ${prefix}/client_body;
  proxy_temp_path ${prefix}/proxy;
  fastcgi_temp_path ${prefix}/fastcgi;
  uwsgi_temp_path ${prefix}/uwsgi;
  scgi_temp_path ${prefix}/scgi;

  upstream ollama {
    server ${upstream};
    keepalive 1024;
  }

  server {
    listen 127.0.0.1:${port};
    location / {
      proxy_pass http://ollama;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_buffering off;
    }
  }
}
`;
}
