/**
 * Images sent with a `/chat_api` question, for vision models. Ollama takes them as base64 strings
 * in a message's `images`; {@link readImage} checks one such string before it goes there: base64
 * (a `data:image/…;base64,` prefix, as browsers write them, is accepted and taken off) that
 * decodes to a JPEG, PNG, WebP or GIF, told by its first bytes. The size of all images together is
 * bounded by the request body limit (`MAX_BODY_BYTES`), their number by {@link MAX_IMAGES}.
 *
 * @module
 */

/** The most images one message may carry. */
export const MAX_IMAGES = 4;

/** The image types a vision model reads, by the bytes each starts with. */
const SIGNATURES: { type: string; matches: (bytes: Uint8Array) => boolean }[] = [
  { type: "JPEG", matches: (b) => b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff },
  {
    type: "PNG",
    matches: (b) => startsWith(b, 0, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
  },
  { type: "GIF", matches: (b) => startsWith(b, 0, [0x47, 0x49, 0x46, 0x38]) },
  {
    type: "WebP",
    matches: (b) =>
      startsWith(b, 0, [0x52, 0x49, 0x46, 0x46]) && startsWith(b, 8, [0x57, 0x45, 0x42, 0x50]),
  },
];

const DATA_URL_PREFIX = /^data:image\/[a-z0-9.+-]+;base64,/i;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** An image as Ollama takes it, or why it cannot be one. */
export type ReadImage = { base64: string; type: string } | { problem: string };

/**
 * Checks one image string: base64 (with or without a `data:image/…;base64,` prefix) of a JPEG,
 * PNG, WebP or GIF. Answers the bare base64 and the type, or a problem in words.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { readImage } from "./images.ts";
 *
 * // The first bytes of a PNG, base64-encoded, as a browser's data: URL.
 * const png = btoa(String.fromCharCode(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0));
 * assertEquals(readImage(`data:image/png;base64,${png}`), { base64: png, type: "PNG" });
 * assertEquals(readImage("aGVsbG8="), { problem: "is not a JPEG, PNG, WebP or GIF image" });
 * ```
 */
export function readImage(value: unknown): ReadImage {
  if (typeof value !== "string") return { problem: "must be a base64 string" };
  const base64 = value.replace(DATA_URL_PREFIX, "");
  if (base64 === "") return { problem: "is empty" };
  if (!BASE64.test(base64)) return { problem: "is not valid base64" };
  // Only the first bytes are needed to tell the type: 16 base64 characters make 12 bytes.
  const head = Uint8Array.from(atob(base64.slice(0, 16)), (c) => c.charCodeAt(0));
  const known = SIGNATURES.find((signature) => signature.matches(head));
  return known
    ? { base64, type: known.type }
    : { problem: "is not a JPEG, PNG, WebP or GIF image" };
}

function startsWith(bytes: Uint8Array, at: number, expected: number[]): boolean {
  return expected.every((byte, index) => bytes[at + index] === byte);
}
