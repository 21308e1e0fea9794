/**
 * The files of `static/`, read into memory once at startup. Serving from memory works the same
 * under `deno run` and inside a `deno compile` binary (where the folder is embedded and found
 * relative to this module, not the working directory), and a request can only ever name a file
 * that was loaded: there is no path to resolve, so no way out of the folder.
 *
 * @module
 */

import { createHash } from "node:crypto";
import { join } from "@std/path";
import { getMimeType } from "hono/utils/mime";

/** One file ready to serve. */
export interface StaticAsset {
  body: Uint8Array<ArrayBuffer>;
  contentType: string;
  /** Strong validator from the file's content, for `If-None-Match`. */
  etag: string;
}

/** The project's `static/` folder, wherever the code runs from. */
export const STATIC_DIR = join(import.meta.dirname!, "..", "static");

/** Loads every file below `dir`, keyed by its path relative to `dir` with `/` separators. */
export function loadStaticAssets(dir = STATIC_DIR): Map<string, StaticAsset> {
  const assets = new Map<string, StaticAsset>();
  const visit = (relative: string) => {
    for (const entry of Deno.readDirSync(join(dir, relative))) {
      const path = relative ? `${relative}/${entry.name}` : entry.name;
      if (entry.isDirectory) visit(path);
      else if (entry.isFile) assets.set(path, loadAsset(join(dir, path)));
    }
  };
  visit("");
  return assets;
}

function loadAsset(file: string): StaticAsset {
  const body = Deno.readFileSync(file);
  const hash = createHash("sha256").update(body).digest("base64url").slice(0, 22);
  return {
    body,
    contentType: getMimeType(file) ?? "application/octet-stream",
    etag: `"${hash}"`,
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
  if (request.headers.get("if-none-match") === asset.etag) {
    return new Response(null, { status: 304, headers });
  }
  return new Response(asset.body, { headers });
}
