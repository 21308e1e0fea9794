/**
 * The files of `static/`, read into memory once at startup. Serving from memory works the same
 * under `deno run` and inside a `deno compile` binary (where the folder is embedded and found
 * relative to this module, not the working directory), and a request can only ever name a file
 * that was loaded: there is no path to resolve, so no way out of the folder. Each file gets a
 * strong ETag from its content (`@std/http`'s `eTag`), so a browser revalidates with a cheap `304`.
 *
 * @example Serve a file, then answer its revalidation with 304
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { assetResponse, loadStaticAssets } from "./static_assets.ts";
 *
 * const assets = await loadStaticAssets();
 * const page = assets.get("chat.html")!;
 * const first = assetResponse(page, new Request("http://localhost/chat"));
 * assertEquals(first.headers.get("content-type"), "text/html; charset=utf-8");
 * const again = assetResponse(
 *   page,
 *   new Request("http://localhost/chat", { headers: { "if-none-match": page.etag } }),
 * );
 * assertEquals(again.status, 304);
 * ```
 *
 * @module
 */

import { eTag, ifNoneMatch } from "@std/http/etag";
import { STATUS_CODE } from "@std/http/status";
import { join } from "@std/path";
import { getMimeType } from "hono/utils/mime";

/** One file ready to serve. */
export interface StaticAsset {
  body: Uint8Array<ArrayBuffer>;
  contentType: string;
  /** Strong validator from the file's content, for `If-None-Match`. */
  etag: string;
}

/** The loaded files, keyed by their path below `static/` with `/` separators. */
export type StaticAssets = Map<string, StaticAsset>;

/** The project's `static/` folder, wherever the code runs from. */
export const STATIC_DIR = join(import.meta.dirname!, "..", "static");

/** Loads every file below `dir`, keyed by its path relative to `dir` with `/` separators. */
export async function loadStaticAssets(dir = STATIC_DIR): Promise<StaticAssets> {
  const assets: StaticAssets = new Map();
  const visit = async (relative: string) => {
    for await (const entry of Deno.readDir(join(dir, relative))) {
      const path = relative ? `${relative}/${entry.name}` : entry.name;
      if (entry.isDirectory) await visit(path);
      else if (entry.isFile) assets.set(path, await loadAsset(join(dir, path)));
    }
  };
  await visit("");
  return assets;
}

async function loadAsset(file: string): Promise<StaticAsset> {
  const body = await Deno.readFile(file);
  return {
    body,
    contentType: getMimeType(file) ?? "application/octet-stream",
    etag: await eTag(body, { weak: false }),
  };
}

/** A response for `asset`, or `304 Not Modified` when the client already holds this version. */
export function assetResponse(asset: StaticAsset, request: Request): Response {
  const headers = {
    "content-type": asset.contentType,
    "etag": asset.etag,
    // Revalidate every time: the ETag makes that a cheap 304, and a new deploy shows at once.
    "cache-control": "no-cache",
  };
  if (!ifNoneMatch(request.headers.get("if-none-match"), asset.etag)) {
    return new Response(null, { status: STATUS_CODE.NotModified, headers });
  }
  return new Response(asset.body, { headers });
}
