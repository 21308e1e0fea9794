/**
 * nginx as target (e), the reference relay: finds Debian's nginx and writes a configuration that
 * relays like the gateway should, streaming (`proxy_buffering off`) over HTTP/1.1 keep-alive
 * connections to the upstream. nginx runs as one process (`master_process off`, one worker's
 * work), in the foreground, with every path under a temporary prefix, so its CPU and memory can be
 * read from `/proc` like the Deno targets'. The bench never installs it: a quick run measures the
 * other targets without it, a full run asks for it ({@link leaveOutMissingNginx}).
 *
 * @module
 */

/** Debian's command that installs nginx. */
const INSTALL_NGINX = "sudo apt-get install -y --no-install-recommends nginx";

/** What to tell someone whose machine has no nginx. */
export const NGINX_MISSING =
  `nginx is not installed, so target (e) is skipped; install Debian's with \`${INSTALL_NGINX}\` ` +
  "and run the bench again";

/**
 * The targets a run measures, given where nginx is (`undefined`: not installed). Without nginx, a
 * quick run (the test suite's smoke run) measures the others and says so in `note`, one line; a
 * full run throws, naming how to install it, since the bench's targets are ratios to nginx.
 *
 * @example
 * ```ts
 * import { assertEquals, assertThrows } from "@std/assert";
 * import { leaveOutMissingNginx } from "./nginx.ts";
 *
 * const targets = [{ name: "direct" }, { name: "nginx" }];
 * const quick = leaveOutMissingNginx(targets, true, undefined);
 * assertEquals(quick.targets, [{ name: "direct" }]);
 * assertEquals(quick.note?.startsWith("nginx is not installed"), true);
 * assertEquals(leaveOutMissingNginx(targets, false, "/usr/sbin/nginx"), { targets });
 * assertThrows(() => leaveOutMissingNginx(targets, false, undefined), Error, "apt-get install");
 * ```
 */
export function leaveOutMissingNginx<T extends { name: string }>(
  targets: T[],
  quick: boolean | undefined,
  nginx: string | undefined,
): { targets: T[]; note?: string } {
  if (nginx !== undefined || !targets.some((target) => target.name === "nginx")) {
    return { targets };
  }
  if (!quick) {
    throw new Error(
      "nginx is not installed, and the full bench measures the gateway against it: install " +
        `Debian's with \`${INSTALL_NGINX}\` and run it again, or name the targets to measure ` +
        "with --target",
    );
  }
  return { targets: targets.filter((target) => target.name !== "nginx"), note: NGINX_MISSING };
}

/** Path of the nginx binary: `/usr/sbin/nginx`, else `nginx` on `PATH`; undefined when absent. */
export function findNginx(): string | undefined {
  const dirs = ["/usr/sbin", ...(Deno.env.get("PATH") ?? "").split(":").filter(Boolean)];
  for (const dir of dirs) {
    try {
      if (Deno.statSync(`${dir}/nginx`).isFile) return `${dir}/nginx`;
    } catch {
      // Not in this folder.
    }
  }
}

/** `nginx.conf` relaying `127.0.0.1:port` to `upstreamUrl`, with every file under `prefix`. */
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
