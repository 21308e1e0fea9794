/**
 * Images attached to the next question, for models that read them (`vision` among their
 * capabilities): picked with `#attach-image`, pasted, or dropped on the composer; at most
 * {@link MAX_IMAGES}, each shown as an `.attachment` thumbnail with a remove button. Each image is
 * scaled in the browser to at most {@link MAX_SIDE} pixels on its long side and re-encoded as JPEG
 * before it is kept, so what is sent and stored is small. Thumbnails are `data:` URLs, which the
 * page's `img-src 'self' data:` allows.
 *
 * @module
 */

/** The most images one question carries (the gateway's limit too). */
export const MAX_IMAGES = 4;
/** The longest side, in pixels, an image is scaled down to. */
export const MAX_SIDE = 1024;
/**
 * How many base64 characters of images one request carries at most: 6 MiB, under the gateway's
 * default `MAX_BODY_BYTES` of 8 MiB with room for the text. Earlier images past it are left out.
 */
export const IMAGE_BUDGET = 6 * 1024 * 1024;
const JPEG_QUALITY = 0.85;

/**
 * `blob` (any image the browser can decode) scaled to fit {@link MAX_SIDE} and encoded as JPEG,
 * as bare base64. Transparent parts turn white.
 *
 * @param {Blob} blob
 * @returns {Promise<string>}
 */
export async function scaleImage(blob) {
  const bitmap = await createImageBitmap(blob);
  const scale = Math.min(1, MAX_SIDE / Math.max(bitmap.width, bitmap.height));
  const width = Math.max(1, Math.round(bitmap.width * scale));
  const height = Math.max(1, Math.round(bitmap.height * scale));
  const canvas = new OffscreenCanvas(width, height);
  const context = /** @type {OffscreenCanvasRenderingContext2D} */ (canvas.getContext("2d"));
  context.fillStyle = "#fff";
  context.fillRect(0, 0, width, height);
  context.drawImage(bitmap, 0, 0, width, height);
  bitmap.close();
  const jpeg = await canvas.convertToBlob({ type: "image/jpeg", quality: JPEG_QUALITY });
  const bytes = new Uint8Array(await jpeg.arrayBuffer());
  let binary = "";
  for (let at = 0; at < bytes.length; at += 0x8000) {
    binary += String.fromCharCode(...bytes.subarray(at, at + 0x8000));
  }
  return btoa(binary);
}

/** A base64 JPEG as an `<img>` source. @param {string} base64 */
export const imageSource = (base64) => `data:image/jpeg;base64,${base64}`;

/**
 * The history to send with `images` on the prompt, its earlier images left out oldest first while
 * all of them together are over {@link IMAGE_BUDGET} (or all of them when the model cannot read
 * images). Says how many were left out.
 *
 * @param {{ role: "user" | "assistant", content: string, images?: string[] }[]} history
 * @param {string[]} images
 * @param {boolean} vision
 */
export function fitImages(history, images, vision) {
  let total = images.reduce((sum, image) => sum + image.length, 0);
  for (const turn of history) for (const image of turn.images ?? []) total += image.length;
  let dropped = 0;
  const fitted = history.map((turn) => {
    if (!turn.images) return turn;
    const kept = [];
    for (const image of turn.images) {
      if (!vision || total > IMAGE_BUDGET) {
        total -= image.length;
        dropped++;
      } else {
        kept.push(image);
      }
    }
    const { images: _, ...text } = turn;
    return kept.length > 0 ? { ...text, images: kept } : text;
  });
  return { history: fitted, dropped };
}

/**
 * @typedef {object} Attachments
 * @property {(on: boolean) => void} setEnabled Shows the control (for a vision model) or hides
 *   it, dropping what was attached.
 * @property {() => string[]} take The attached images (base64 JPEG), which are then cleared.
 * @property {(images: string[]) => void} restore Attaches `images` again (those of a question
 *   that failed, put back with its text), when the control is shown.
 * @property {() => Promise<void>} ready Resolves once every image added so far is scaled.
 */

/**
 * Wires the file input, paste and drop on `zone`, and the thumbnails in `list`; `note` tells the
 * reader what could not be attached.
 *
 * @param {{ control: HTMLElement, input: HTMLInputElement, zone: HTMLElement,
 *   list: HTMLElement, note: (text: string) => void }} parts
 * @returns {Attachments}
 */
export function createAttachments({ control, input, zone, list, note }) {
  /** @type {{ base64: string | null }[]} */
  let pending = [];
  /** @type {Promise<unknown>} */
  let scaling = Promise.resolve();
  let enabled = false;

  const show = () => {
    list.replaceChildren(...pending.map((image, index) => {
      const item = document.createElement("div");
      item.className = "attachment";
      if (image.base64 === null) {
        item.classList.add("scaling");
        item.setAttribute("aria-busy", "true");
      } else {
        const img = document.createElement("img");
        img.src = imageSource(image.base64);
        img.alt = `Image ${index + 1}`;
        item.append(img);
      }
      const remove = document.createElement("button");
      remove.type = "button";
      remove.className = "remove-attachment";
      remove.title = `Remove image ${index + 1}`;
      remove.textContent = "×";
      remove.addEventListener("click", () => {
        pending = pending.filter((other) => other !== image);
        show();
      });
      item.append(remove);
      return item;
    }));
    list.hidden = pending.length === 0;
  };

  /** @param {Iterable<File>} files */
  const add = (files) => {
    const images = [...files].filter((file) => file.type.startsWith("image/"));
    if (images.length < [...files].length) note("Only images can be attached.");
    const room = MAX_IMAGES - pending.length;
    if (images.length > room) note(`A question can carry at most ${MAX_IMAGES} images.`);
    const jobs = images.slice(0, Math.max(0, room)).map((file) => {
      const image = { base64: /** @type {string | null} */ (null) };
      pending.push(image);
      return scaleImage(file).then(
        (base64) => (image.base64 = base64),
        () => {
          pending = pending.filter((other) => other !== image);
          note(`"${file.name}" could not be read as an image.`);
        },
      ).finally(show);
    });
    show();
    scaling = Promise.all([scaling, ...jobs]);
  };

  input.addEventListener("change", () => {
    if (input.files) add(input.files);
    input.value = "";
  });
  zone.addEventListener("paste", (event) => {
    const files = [...(event.clipboardData?.files ?? [])];
    if (!enabled || !files.some((file) => file.type.startsWith("image/"))) return;
    event.preventDefault();
    add(files);
  });
  zone.addEventListener("dragover", (event) => {
    if (!enabled || !event.dataTransfer?.types.includes("Files")) return;
    event.preventDefault();
    zone.classList.add("dropping");
  });
  zone.addEventListener("dragleave", () => zone.classList.remove("dropping"));
  zone.addEventListener("drop", (event) => {
    zone.classList.remove("dropping");
    if (!enabled || !event.dataTransfer?.files.length) return;
    event.preventDefault();
    add(event.dataTransfer.files);
  });

  return {
    setEnabled(on) {
      enabled = on;
      control.hidden = !on;
      input.disabled = !on;
      if (!on && pending.length > 0) {
        pending = [];
        show();
        note("This model cannot read images, so the attached ones were removed.");
      }
    },
    take() {
      const images = pending.flatMap((image) => image.base64 === null ? [] : [image.base64]);
      pending = [];
      show();
      return images;
    },
    restore(images) {
      if (!enabled || images.length === 0) return;
      pending = images.slice(0, MAX_IMAGES).map((base64) => ({ base64 }));
      show();
    },
    ready: async () => {
      await scaling;
    },
  };
}
