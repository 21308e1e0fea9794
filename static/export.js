/**
 * Conversations out of the browser and back: {@link conversationMarkdown} writes one as Markdown
 * to read (reasoning folded in a `<details>`), {@link exportJson} writes any number as JSON with
 * everything needed to restore them (settings, reasoning, images), and {@link readExport} checks
 * such a file and gives back its conversations, ready to store as new ones. The file names its
 * format and version, so a file from elsewhere or from a newer page is refused in words.
 *
 * @module
 */

import { newConversation } from "./store.js";

/** @typedef {import("./store.js").Conversation} Conversation */
/** @typedef {import("./storage.js").Turn} Turn */

/** The `format` an export names, and the version this page writes and reads. */
export const EXPORT_FORMAT = "ollamaspace-conversations";
export const EXPORT_VERSION = 1;
/** The largest file read (images make exports big, but not this big). */
export const MAX_IMPORT_BYTES = 200 * 1024 * 1024;
const MAX_IMAGES = 4;
const STATUSES = new Set(["done", "stopped", "interrupted", "length", "failed"]);
const THINK = new Set([true, false, "low", "medium", "high"]);
const NUMBER_SETTINGS = ["temperature", "top_p", "num_ctx", "num_predict", "seed"];
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

/**
 * `conversation` as Markdown: a heading, then each message under who wrote it, with the model's
 * reasoning folded in a `<details>` and a line saying how many images a question carried.
 *
 * @param {Conversation} conversation
 */
export function conversationMarkdown(conversation) {
  const parts = [`# ${conversation.title || "Conversation"}`];
  for (const turn of conversation.turns) {
    if (turn.role === "user") {
      const count = turn.images?.length ?? 0;
      parts.push(
        "## You",
        ...(count > 0 ? [`_${count} image${count === 1 ? "" : "s"} attached._`] : []),
        turn.content,
      );
    } else {
      parts.push(`## ${turn.model ?? "Assistant"}`);
      if (turn.thinking) {
        parts.push(`<details>\n<summary>Thinking</summary>\n\n${turn.thinking}\n\n</details>`);
      }
      parts.push(turn.content);
      if (turn.notice) parts.push(`_${turn.notice}_`);
    }
  }
  return parts.join("\n\n") + "\n";
}

/**
 * `conversations` as the JSON this page reads back.
 *
 * @param {Conversation[]} conversations
 */
export function exportJson(conversations) {
  return JSON.stringify(
    {
      format: EXPORT_FORMAT,
      version: EXPORT_VERSION,
      exportedAt: new Date().toISOString(),
      conversations: conversations.map(({ title, createdAt, updatedAt, settings, turns }) => ({
        title,
        createdAt,
        updatedAt,
        settings,
        turns,
      })),
    },
    null,
    1,
  );
}

/**
 * The conversations in an export's `text`, each with a new id; throws an `Error` whose message
 * says, for a person, what is wrong with the file.
 *
 * @param {string} text
 * @returns {Conversation[]}
 */
export function readExport(text) {
  /** @type {any} */
  let file;
  try {
    file = JSON.parse(text);
  } catch {
    throw new Error("This file is not JSON, so it is not a conversation export.");
  }
  if (!isObject(file) || file.format !== EXPORT_FORMAT) {
    throw new Error("This file is not an OllamaSpace conversation export.");
  }
  if (file.version !== EXPORT_VERSION) {
    throw new Error(
      `This export is version ${JSON.stringify(file.version)}; this page reads version ` +
        `${EXPORT_VERSION}.`,
    );
  }
  if (!Array.isArray(file.conversations) || file.conversations.length === 0) {
    throw new Error("This export holds no conversations.");
  }
  return file.conversations.map((/** @type {unknown} */ entry, /** @type {number} */ at) => {
    try {
      return readConversation(entry);
    } catch (error) {
      throw new Error(`Conversation ${at + 1}: ${/** @type {Error} */ (error).message}`);
    }
  });
}

/** @param {unknown} entry @returns {Conversation} */
function readConversation(entry) {
  if (!isObject(entry)) throw new Error("it is not an object.");
  const { title, createdAt, updatedAt, settings, turns } = entry;
  if (typeof title !== "string") throw new Error('"title" must be text.');
  if (!Array.isArray(turns) || turns.length === 0) throw new Error("it has no messages.");
  const conversation = newConversation();
  return {
    ...conversation,
    title: title.slice(0, 500),
    ...(Number.isFinite(createdAt) && { createdAt: Number(createdAt) }),
    ...(Number.isFinite(updatedAt) && { updatedAt: Number(updatedAt) }),
    settings: readSettings(settings),
    turns: turns.map((turn, at) => {
      try {
        return readTurn(turn);
      } catch (error) {
        throw new Error(`message ${at + 1}: ${/** @type {Error} */ (error).message}`);
      }
    }),
  };
}

/** @param {unknown} settings */
function readSettings(settings) {
  if (settings === undefined) return {};
  if (!isObject(settings)) throw new Error('"settings" must be an object.');
  /** @type {Record<string, unknown>} */
  const read = {};
  if (settings.think !== undefined) {
    if (!THINK.has(settings.think)) throw new Error('"settings.think" is not a thinking setting.');
    read.think = settings.think;
  }
  if (settings.system !== undefined) {
    if (typeof settings.system !== "string") throw new Error('"settings.system" must be text.');
    read.system = settings.system;
  }
  for (const key of NUMBER_SETTINGS) {
    if (settings[key] === undefined) continue;
    if (!Number.isFinite(settings[key])) throw new Error(`"settings.${key}" must be a number.`);
    read[key] = settings[key];
  }
  return read;
}

/** @param {unknown} turn @returns {Turn} */
function readTurn(turn) {
  if (!isObject(turn)) throw new Error("it is not an object.");
  if (turn.role !== "user" && turn.role !== "assistant") {
    throw new Error('"role" must be "user" or "assistant".');
  }
  if (typeof turn.content !== "string") throw new Error('"content" must be text.');
  /** @type {Turn} */
  const read = { role: turn.role, content: turn.content };
  for (const key of /** @type {const} */ (["thinking", "model", "stats", "notice"])) {
    if (turn[key] === undefined) continue;
    if (typeof turn[key] !== "string") throw new Error(`"${key}" must be text.`);
    read[key] = turn[key];
  }
  if (turn.thoughtSeconds !== undefined) {
    if (!Number.isFinite(turn.thoughtSeconds)) {
      throw new Error('"thoughtSeconds" must be a number.');
    }
    read.thoughtSeconds = Number(turn.thoughtSeconds);
  }
  if (turn.status !== undefined) {
    // An answer that was still streaming when exported did not end: it is interrupted here.
    const status = turn.status === "streaming" ? "interrupted" : turn.status;
    if (!STATUSES.has(status)) throw new Error(`"status" ${JSON.stringify(status)} is unknown.`);
    read.status = /** @type {Turn["status"]} */ (status);
  }
  if (turn.images !== undefined) {
    if (turn.role !== "user") throw new Error("only questions carry images.");
    if (!Array.isArray(turn.images) || turn.images.length > MAX_IMAGES) {
      throw new Error(`"images" must be a list of at most ${MAX_IMAGES} images.`);
    }
    for (const image of turn.images) {
      if (typeof image !== "string" || !BASE64.test(image)) {
        throw new Error("an image is not base64 text.");
      }
    }
    read.images = turn.images;
  }
  return read;
}

/** @param {unknown} value @returns {value is Record<string, any>} */
function isObject(value) {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * Offers `text` as a file download named `name`, through a `blob:` link.
 *
 * @param {string} name
 * @param {string} type
 * @param {string} text
 */
export function download(name, type, text) {
  const link = document.createElement("a");
  link.href = URL.createObjectURL(new Blob([text], { type }));
  link.download = name;
  link.click();
  setTimeout(() => URL.revokeObjectURL(link.href), 60_000);
}

/** A file name for `title`: letters, digits and dashes, with `extension`. */
export function fileName(/** @type {string} */ title, /** @type {string} */ extension) {
  const base = title.normalize("NFKD").replace(/[^\w-]+/g, "-").replace(/^-+|-+$/g, "")
    .slice(0, 60);
  return `${base || "conversation"}.${extension}`;
}
