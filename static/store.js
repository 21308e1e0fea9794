/**
 * The conversations, kept in IndexedDB: a small record per conversation for the list (`meta`)
 * and its turns and settings apart (`bodies`), so the list opens fast however long the chats
 * are. Each write touches one conversation only, so two tabs never overwrite each other's
 * conversations, and each write is announced to the other tabs on a `BroadcastChannel`. The
 * single conversation older versions kept in `localStorage` is moved here on first load.
 *
 * The page loads this module ahead of its others: as it loads, it opens the database and reads
 * the list, while the rest of the page downloads.
 *
 * When IndexedDB cannot be used (a private window, storage blocked) or a write fails (storage
 * full), the conversations live in memory for this visit and {@link ConversationStore.problem}
 * says so in words for the reader.
 *
 * @module
 */

import { forgetLegacyConversation, loadLegacyConversation } from "./storage.js";

/** @typedef {import("./storage.js").Turn} Turn */

/**
 * @typedef {object} ChatSettings Settings of one conversation, sent with each of its requests.
 * @property {boolean | "low" | "medium" | "high"} [think] Thinking off, on, or at a level.
 * @property {string} [system] The system prompt.
 * @property {number} [temperature]
 * @property {number} [top_p]
 * @property {number} [num_ctx]
 * @property {number} [num_predict]
 * @property {number} [seed]
 */

/**
 * @typedef {object} ConversationMeta What the list shows of a conversation.
 * @property {string} id
 * @property {string} title
 * @property {boolean} [titleEdited] The reader renamed it; a save keeps that title.
 * @property {number} createdAt
 * @property {number} updatedAt
 */

/**
 * @typedef {ConversationMeta & { turns: Turn[], settings: ChatSettings }} Conversation
 * A whole conversation.
 */

const CHANNEL = "ollamaspace-conversations";

/** The database, opening since this module loaded; rejects where IndexedDB cannot be used. */
const database = openDatabase();

/**
 * What the first store opened in this page takes over: the list, read as soon as the database
 * opened, and the channel that has listened to the other tabs since. A change heard drops the
 * list, which may be older than the change.
 *
 * @type {{ list: Promise<ConversationMeta[]> | null, channel: BroadcastChannel | null } | null}
 */
let early = {
  list: database.then((db) => all(db, "meta")),
  channel: typeof BroadcastChannel === "function" ? new BroadcastChannel(CHANNEL) : null,
};
if (early.channel) {
  early.channel.onmessage = () => {
    if (early) early.list = null;
  };
}
// Each is handled where it is used; meanwhile, a rejection is not reported as unhandled.
database.catch(() => {});
early.list?.catch(() => {});

/** The id the conversation moved from `localStorage` gets: the same in every tab. */
const LEGACY_ID = "from-local-storage";
const TITLE_LENGTH = 48;

/** A new, empty conversation (not stored until it has turns). @returns {Conversation} */
export function newConversation() {
  const now = Date.now();
  const id = now.toString(36) + Math.random().toString(36).slice(2, 8);
  return { id, title: "", createdAt: now, updatedAt: now, turns: [], settings: {} };
}

/**
 * A title from a conversation's first question: one line, cut at a word near 48 characters.
 *
 * @param {string} question
 */
export function shortTitle(question) {
  const line = question.replace(/\s+/g, " ").trim();
  if (line.length <= TITLE_LENGTH) return line;
  const cut = line.slice(0, TITLE_LENGTH);
  const space = cut.lastIndexOf(" ");
  return (space > TITLE_LENGTH / 2 ? cut.slice(0, space) : cut) + "…";
}

/**
 * @typedef {object} ConversationStore
 * @property {() => Promise<ConversationMeta[]>} list All conversations, newest first.
 * @property {(id: string) => Promise<Conversation | null>} get
 * @property {(conversation: Conversation) => Promise<void>} save Stores it whole.
 * @property {(id: string, title: string) => Promise<void>} rename
 * @property {(id: string) => Promise<void>} remove
 * @property {() => Promise<Map<string, string>>} searchTexts Each conversation's text, lower case.
 * @property {() => string} problem Why conversations are not kept, or "" when they are.
 */

/**
 * Opens the store. `onChange` hears about conversations another tab saved or deleted;
 * `onProblem` hears when storage stops working.
 *
 * @param {{ onChange: (change: { id: string, deleted: boolean }) => void,
 *   onProblem: (message: string) => void }} handlers
 * @returns {Promise<ConversationStore>}
 */
export async function openStore({ onChange, onProblem }) {
  /** Conversations that could not be written to IndexedDB, kept for this visit. */
  const memory = new Map();
  /** @type {Map<string, string> | null} */
  let texts = null;
  let problem = "";
  // Taken now, before any await, so that no change is heard between the two channels.
  const handed = early;
  early = null;
  /** The list read early, until a change makes it stale or the first `list()` uses it. */
  let earlyList = handed?.list ?? null;
  const channel = handed?.channel ??
    (typeof BroadcastChannel === "function" ? new BroadcastChannel(CHANNEL) : null);
  if (channel) {
    channel.onmessage = (event) => {
      texts = null;
      earlyList = null;
      onChange(event.data);
    };
  }
  /** @type {IDBDatabase | null} */
  let db = null;
  try {
    db = await database;
  } catch {
    problem = "This browser does not let the page keep conversations (a private window, or " +
      "storage blocked). They are kept until this tab is closed.";
  }
  /** A write of this tab's: the caches are stale, and the other tabs are told. */
  const announce = (/** @type {string} */ id, deleted = false) => {
    texts = null;
    earlyList = null;
    channel?.postMessage({ id, deleted });
  };
  const fail = (/** @type {unknown} */ error) => {
    const full = error instanceof DOMException && error.name === "QuotaExceededError";
    problem = full
      ? "Storage is full, so new messages are kept only until this tab is closed. Delete old " +
        "conversations to make room."
      : "Conversations cannot be saved right now; new messages are kept until this tab is closed.";
    onProblem(problem);
  };

  /** @type {ConversationStore} */
  const store = {
    async list() {
      const read = db ? earlyList ?? all(db, "meta") : null;
      earlyList = null;
      const stored = read ? await read : [];
      const byId = new Map(stored.map((meta) => [meta.id, meta]));
      for (const conversation of memory.values()) byId.set(conversation.id, metaOf(conversation));
      return [...byId.values()].sort((a, b) => b.updatedAt - a.updatedAt);
    },
    async get(id) {
      if (memory.has(id)) return structuredClone(memory.get(id));
      if (!db) return null;
      const tx = db.transaction(["meta", "bodies"]);
      const [meta, body] = await Promise.all([
        request(tx.objectStore("meta").get(id)),
        request(tx.objectStore("bodies").get(id)),
      ]);
      return meta && body ? { ...meta, turns: body.turns, settings: body.settings ?? {} } : null;
    },
    async save(conversation) {
      if (db && !memory.has(conversation.id)) {
        try {
          const tx = db.transaction(["meta", "bodies"], "readwrite");
          const metas = tx.objectStore("meta");
          const meta = metaOf(conversation);
          // A rename made in another tab wins over this tab's older title.
          metas.get(conversation.id).onsuccess = (event) => {
            const stored = /** @type {IDBRequest} */ (event.target).result;
            metas.put(
              stored?.titleEdited ? { ...meta, title: stored.title, titleEdited: true } : meta,
            );
          };
          const { id, turns, settings } = conversation;
          tx.objectStore("bodies").put({ id, turns, settings });
          await committed(tx);
          announce(conversation.id);
          return;
        } catch (error) {
          fail(error);
        }
      }
      memory.set(conversation.id, structuredClone(conversation));
      texts = null;
    },
    async rename(id, title) {
      const kept = memory.get(id);
      if (kept) {
        Object.assign(kept, { title, titleEdited: true });
        return;
      }
      if (!db) return;
      const tx = db.transaction("meta", "readwrite");
      const metas = tx.objectStore("meta");
      metas.get(id).onsuccess = (event) => {
        const meta = /** @type {IDBRequest} */ (event.target).result;
        if (meta) metas.put({ ...meta, title, titleEdited: true });
      };
      await committed(tx);
      announce(id);
    },
    async remove(id) {
      memory.delete(id);
      texts = null;
      if (!db) return;
      const tx = db.transaction(["meta", "bodies"], "readwrite");
      tx.objectStore("meta").delete(id);
      tx.objectStore("bodies").delete(id);
      await committed(tx);
      announce(id, true);
    },
    async searchTexts() {
      if (texts === null) {
        const found = new Map();
        const bodies = db ? await all(db, "bodies") : [];
        for (const body of [...bodies, ...memory.values()]) {
          const text = body.turns.map((/** @type {Turn} */ turn) => turn.content).join("\n");
          found.set(body.id, text.toLowerCase());
        }
        texts = found;
      }
      return texts;
    },
    problem: () => problem,
  };

  await moveLegacyConversation(store, () => db !== null && !memory.has(LEGACY_ID));
  return store;
}

/**
 * Moves the conversation older versions kept in `localStorage` into the store; the old copy is
 * forgotten only once the new one is safely written.
 *
 * @param {ConversationStore} store
 * @param {() => boolean} persisted Whether the last save reached IndexedDB.
 */
async function moveLegacyConversation(store, persisted) {
  const turns = loadLegacyConversation();
  if (turns.length === 0) return;
  const conversation = newConversation();
  const question = turns.find((turn) => turn.role === "user");
  Object.assign(conversation, {
    id: LEGACY_ID,
    title: shortTitle(question?.content ?? "Earlier conversation"),
    turns,
  });
  await store.save(conversation);
  if (persisted()) forgetLegacyConversation();
}

/** @param {Conversation} conversation @returns {ConversationMeta} */
function metaOf({ id, title, titleEdited, createdAt, updatedAt }) {
  return { id, title, ...(titleEdited && { titleEdited }), createdAt, updatedAt };
}

/** @returns {Promise<IDBDatabase>} */
function openDatabase() {
  return new Promise((resolve, reject) => {
    // Throws at once where IndexedDB is blocked: the promise rejects.
    const opening = indexedDB.open("ollamaspace", 1);
    opening.onupgradeneeded = () => {
      opening.result.createObjectStore("meta", { keyPath: "id" });
      opening.result.createObjectStore("bodies", { keyPath: "id" });
    };
    opening.onsuccess = () => {
      const db = opening.result;
      db.onversionchange = () => db.close();
      resolve(db);
    };
    opening.onerror = () => reject(opening.error);
  });
}

/** @param {IDBDatabase} db @param {string} name @returns {Promise<any[]>} */
function all(db, name) {
  return request(db.transaction(name).objectStore(name).getAll());
}

/** @param {IDBRequest} pending @returns {Promise<any>} */
function request(pending) {
  return new Promise((resolve, reject) => {
    pending.onsuccess = () => resolve(pending.result);
    pending.onerror = () => reject(pending.error);
  });
}

/** @param {IDBTransaction} tx @returns {Promise<void>} */
function committed(tx) {
  return new Promise((resolve, reject) => {
    tx.oncomplete = () => resolve();
    tx.onerror = () => reject(tx.error);
    tx.onabort = () => reject(tx.error ?? new DOMException("The write was aborted", "AbortError"));
  });
}
