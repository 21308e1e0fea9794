/**
 * What the page remembers between visits in `localStorage`: the API key and the chosen model, and
 * the single conversation older versions of the page kept there (read once, to move it to the
 * conversation store). When storage is unavailable (blocked for a Space shown in a third-party
 * iframe, or full) the page keeps working from memory and only forgets on reload.
 *
 * @module
 */

const PREFIX = "ollamaspace.";

/** Values written this visit; they also stand in for storage that cannot be used. */
const memory = new Map();

/** @param {string} name @returns {string | null} */
function read(name) {
  if (memory.has(name)) return memory.get(name);
  try {
    return localStorage.getItem(PREFIX + name);
  } catch {
    return null;
  }
}

/** @param {string} name @param {string | null} value null removes it */
function write(name, value) {
  memory.set(name, value);
  try {
    if (value === null) localStorage.removeItem(PREFIX + name);
    else localStorage.setItem(PREFIX + name, value);
  } catch {
    // Blocked or full: the value lives in memory for this visit.
  }
}

/** The saved API key, or "" when there is none. */
export function loadApiKey() {
  return read("apiKey") ?? "";
}

/** Saves `key`; an empty key forgets the saved one. @param {string} key */
export function saveApiKey(key) {
  write("apiKey", key === "" ? null : key);
}

/** The model the reader chose last time, or "" for the server's default. */
export function loadModel() {
  return read("model") ?? "";
}

/** @param {string} model "" for the server's default */
export function saveModel(model) {
  write("model", model === "" ? null : model);
}

/**
 * @typedef {object} Turn One message of a conversation, as stored.
 * @property {"user" | "assistant"} role
 * @property {string} content The prompt, or the answer without its reasoning.
 * @property {string[]} [images] Images a question carried: base64 JPEGs, scaled.
 * @property {string} [thinking] The model's reasoning, shown apart from the answer.
 * @property {number} [thoughtSeconds] How long the model reasoned.
 * @property {string} [model] The model that answered.
 * @property {string} [stats] Speed and duration of the answer, as shown under it.
 * @property {"done" | "streaming" | "stopped" | "interrupted" | "length" | "failed"} [status]
 *   How the answer ended ("streaming" while it is written; "length" when cut at the length limit).
 * @property {string} [notice] What went wrong, in words for the reader.
 */

/** The conversation older versions of the page kept here; anything unreadable is dropped. */
export function loadLegacyConversation() {
  try {
    const turns = JSON.parse(read("conversation") ?? "[]");
    return Array.isArray(turns) ? turns.filter(isTurn) : [];
  } catch {
    return [];
  }
}

/** Forgets the old single conversation, once it is safely in the conversation store. */
export function forgetLegacyConversation() {
  write("conversation", null);
}

/** @param {unknown} turn @returns {turn is Turn} */
function isTurn(turn) {
  return typeof turn === "object" && turn !== null &&
    (turn.role === "user" || turn.role === "assistant") && typeof turn.content === "string";
}
