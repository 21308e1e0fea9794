/**
 * The chat page: wires the header (conversation list, model, API key, new chat), the open
 * conversation, its settings and the composer to the gateway and the conversation store. One
 * answer streams at a time, saved as it streams; the message box stays editable meanwhile, and
 * whatever happens to the answer, the page ends up ready for the next message.
 *
 * @module
 */

import { createAttachments, fitImages } from "./attachments.js";
import {
  fetchCapabilities,
  fetchHealth,
  fetchModelList,
  RequestFailure,
  streamChat,
} from "./chat_api.js";
import { createSettingsPanel, takesThinkLevel } from "./chat_settings.js";
import { createConversationList } from "./conversation_list.js";
import {
  conversationMarkdown,
  download,
  exportJson,
  fileName,
  MAX_IMPORT_BYTES,
  readExport,
} from "./export.js";
import { describeFailure, describeInterruption } from "./failures.js";
import { copyCode } from "./markdown.js";
import { addBotActions, storedBotMessage, streamingBotMessage, userMessage } from "./messages.js";
import { createFollower } from "./scroll_follow.js";
import { wireShortcuts } from "./shortcuts.js";
import { loadApiKey, loadModel, saveApiKey, saveModel } from "./storage.js";
import { newConversation, openStore, shortTitle } from "./store.js";
import { createThinkSplitter } from "./think.js";

/** @typedef {import("./storage.js").Turn} Turn */
/** @typedef {import("./store.js").Conversation} Conversation */
/** @typedef {import("./messages.js").StreamingBotMessage} StreamingBotMessage */
/**
 * @typedef {{ role: "user" | "assistant", content: string, images?: string[] }} HistoryTurn
 * A turn of the `history` sent with a question.
 */

performance.mark("page-script-start");

/** @param {string} id */
const byId = (id) => /** @type {HTMLElement} */ (document.getElementById(id));

const keyMenu = /** @type {HTMLDetailsElement} */ (byId("key-menu"));
const keyForm = /** @type {HTMLFormElement} */ (byId("key-form"));
const keyInput = /** @type {HTMLInputElement} */ (byId("api-key"));
const keyToggle = byId("toggle-key");
const keyStatus = byId("key-status");
const keySummary = byId("key-summary");
const modelSelect = /** @type {HTMLSelectElement} */ (byId("model-select"));
const newChatButton = byId("new-chat");
const sidebarToggle = byId("sidebar-toggle");
const search = byId("conversation-search");
const storageWarning = byId("storage-warning");
const chatWindow = byId("chat-window");
const emptyState = byId("empty-state");
const composer = /** @type {HTMLFormElement} */ (byId("composer"));
const messageInput = /** @type {HTMLTextAreaElement} */ (byId("message-input"));
const composerNote = byId("composer-note");
const sendButton = /** @type {HTMLButtonElement} */ (byId("send-button"));
const stopButton = byId("stop-button");
const attachments = createAttachments({
  control: byId("attach-control"),
  input: /** @type {HTMLInputElement} */ (byId("attach-image")),
  zone: composer,
  list: byId("attachments"),
  note: (text) => note(text),
});

/** How often a streaming answer is saved, so a reload loses at most this much of it. */
const SAVE_EVERY_MS = 400;
/** How often the server is asked whether Ollama is back, while the model list is incomplete. */
const HEALTH_POLL_MS = 3000;
/** What asks the model to carry on an answer that was cut off. */
const CONTINUE_PROMPT =
  "Continue your last answer exactly where it stopped, without repeating any of it.";
/** Widths at which the conversation list is a drawer over the page. */
const drawerMode = matchMedia("(max-width: 1023px)");

let apiKey = loadApiKey();
let keyRejected = false;
let defaultModel = "";
let modelListRequest = 0;
let healthPoll = 0;
let modelsIncomplete = false;
/** Capabilities asked for, by model name. @type {Map<string, Promise<string[]>>} */
const capabilities = new Map();

/** @type {Conversation} */
let current = newConversation();
/**
 * The answer streaming now, and where it goes.
 * @type {{ abort: AbortController, conversation: Conversation, index: number,
 *   bot: StreamingBotMessage } | null}
 */
let streaming = null;
let noteTimer = 0;

const follower = createFollower(
  chatWindow,
  /** @type {HTMLButtonElement} */ (byId("jump-to-latest")),
);
const settingsPanel = createSettingsPanel((settings, persist) => {
  current.settings = settings;
  if (persist && current.turns.length > 0) save(current);
});
const storeReady = openStore({ onChange: otherTabChanged, onProblem: showStorageProblem });
const listReady = storeReady.then((store) =>
  createConversationList({
    store,
    onOpen: openConversation,
    onHidden: (id) => {
      if (id === current.id) openNewest(id);
    },
    onRestored: openConversation,
  })
);

// --- API key ---------------------------------------------------------------------------------

/** Shows whether a key is saved, being checked, or turned down by the server. */
function showKeyState(/** @type {"none" | "checking" | "saved" | "rejected"} */ state) {
  keyRejected = state === "rejected";
  keyStatus.textContent = {
    none: "No key saved",
    checking: "Checking the key…",
    saved: "Key saved",
    rejected: "Key not accepted",
  }[state];
  keySummary.textContent = state === "none" ? "API key" : keyStatus.textContent;
  document.body.classList.toggle("no-key", state === "none");
  document.body.classList.toggle("key-rejected", keyRejected);
}

keyForm.addEventListener("submit", async (event) => {
  event.preventDefault();
  apiKey = keyInput.value.trim();
  keyInput.value = apiKey;
  saveApiKey(apiKey);
  capabilities.clear();
  showKeyState(apiKey === "" ? "none" : "checking");
  const state = await fillModels();
  if (apiKey === "" || state === "rejected") {
    keyInput.focus();
  } else {
    keyMenu.open = false;
    messageInput.focus();
  }
});

keyToggle.addEventListener("click", () => {
  const show = keyInput.type === "password";
  keyInput.type = show ? "text" : "password";
  keyToggle.setAttribute("aria-pressed", String(show));
  const label = show ? "Hide key" : "Show key";
  keyToggle.title = label;
  keyToggle.querySelector(".visually-hidden").textContent = label;
});

// --- Models ----------------------------------------------------------------------------------

/**
 * Fills the picker from the server's installed models, defaulting to its `OLLAMA_MODEL`; when
 * the list cannot be had, offers the default (and the reader's earlier choice) only, and asks
 * again once Ollama is back. The answer also tells whether the key is accepted.
 */
async function fillModels() {
  const request = ++modelListRequest;
  modelSelect.setAttribute("aria-busy", "true");
  const [health, list] = await Promise.all([fetchHealth(), fetchModelList(apiKey)]);
  if (request !== modelListRequest) return list.state;
  defaultModel = health.model;
  if (apiKey !== "") showKeyState(list.state === "rejected" ? "rejected" : "saved");
  if (keyRejected) keyMenu.open = true;
  showModels(list.names);
  watchOllama(list.state === "unavailable");
  modelSelect.removeAttribute("aria-busy");
  showCapabilities();
  return list.state;
}

/** @param {string[]} installed */
function showModels(installed) {
  const chosen = loadModel();
  const names = installed.length > 0
    ? installed
    : [...new Set([defaultModel, chosen].filter((name) => name !== ""))];
  const pick = names.includes(chosen) ? chosen : names.includes(defaultModel) ? defaultModel : "";
  const options = names.map((name) => {
    const option = new Option(name, name);
    option.selected = name === pick;
    return option;
  });
  modelSelect.replaceChildren(
    ...(options.length > 0 ? options : [new Option("Server default", "")]),
  );
}

/** While the list is incomplete, asks the server now and then whether Ollama is back. */
function watchOllama(/** @type {boolean} */ on) {
  modelsIncomplete = on;
  if (!on) {
    clearInterval(healthPoll);
    healthPoll = 0;
  } else if (healthPoll === 0) {
    healthPoll = setInterval(async () => {
      if ((await fetchHealth()).ollamaUp && modelsIncomplete) fillModels();
    }, HEALTH_POLL_MS);
  }
}

addEventListener("focus", () => {
  if (modelsIncomplete) fillModels();
});

/** Takes a model the server reported missing out of the picker, then asks for the list again. */
function dropModel(/** @type {string} */ name) {
  for (const option of modelSelect.options) if (option.value === name) option.remove();
  if (loadModel() === name) saveModel("");
  fillModels();
}

/** The model a request goes to. */
const chosenModel = () => modelSelect.value || defaultModel;

/** What `model` can do (`capabilities` from the server, asked once); `[]` when unknown. */
function capabilitiesOf(/** @type {string} */ model) {
  if (apiKey === "" || keyRejected || model === "") return Promise.resolve([]);
  let asked = capabilities.get(model);
  if (!asked) {
    asked = fetchCapabilities(apiKey, model);
    capabilities.set(model, asked);
    asked.then((found) => found.length === 0 && capabilities.delete(model));
  }
  return asked;
}

/**
 * Shows thinking controls only if the chosen model thinks, and the image control only if it
 * reads images.
 */
async function showCapabilities() {
  const model = chosenModel();
  const found = await capabilitiesOf(model);
  if (model !== chosenModel()) return;
  settingsPanel.setModel({ thinks: found.includes("thinking"), levels: takesThinkLevel(model) });
  attachments.setEnabled(found.includes("vision"));
}

modelSelect.addEventListener("change", () => {
  saveModel(modelSelect.value);
  showCapabilities();
});

// --- Storage ---------------------------------------------------------------------------------

/** Says, above the conversation, why conversations are not being kept. */
function showStorageProblem(/** @type {string} */ problem) {
  storageWarning.textContent = problem;
  storageWarning.hidden = problem === "";
}

/** Stores `conversation` (once it has turns) and updates the list. */
async function save(/** @type {Conversation} */ conversation, refreshList = true) {
  if (conversation.turns.length === 0) return;
  await (await storeReady).save(conversation);
  if (refreshList) await (await listReady).refresh();
}

/** Another tab saved or deleted a conversation: the list, and the open one, follow. */
async function otherTabChanged(/** @type {{ id: string, deleted: boolean }} */ change) {
  await (await listReady).refresh();
  const editing = chatWindow.querySelector(".edit-box");
  if (change.id !== current.id || streaming?.conversation === current || editing) return;
  if (change.deleted) {
    openNewest(change.id);
    return;
  }
  const fresh = await (await storeReady).get(change.id);
  if (fresh && change.id === current.id && streaming?.conversation !== current) {
    show(fresh, { keepScroll: true });
  }
}

// --- Conversations ---------------------------------------------------------------------------

/** Shows `conversation`: its messages, its settings, and where it is in the list. */
function show(/** @type {Conversation} */ conversation, { keepScroll = false } = {}) {
  const sameOne = conversation.id === current.id;
  current = conversation;
  history.replaceState(null, "", `#c=${encodeURIComponent(conversation.id)}`);
  listReady.then((list) => list.setCurrent(conversation.id));
  settingsPanel.show(conversation.settings);
  const scrollTop = chatWindow.scrollTop;
  const follow = follower.following();
  const keep = keepScroll && sameOne && !follow;
  showConversation(keep);
  if (keep) chatWindow.scrollTop = scrollTop;
  else follower.follow(true);
  performance.mark("conversation-shown");
}

/**
 * How much text fills the view, in characters per pixel of its height (prose at desktop width,
 * with room to spare): a conversation opens with about that much of its newest messages.
 */
const CHARS_PER_PIXEL = 5;
/** What a message costs to draw and show besides its text, counted in characters. */
const MESSAGE_COST = 200;
let drawRound = 0;
/** The conversation view's height, kept by an observer so that reading it never forces a layout. */
let viewHeight = innerHeight;
new ResizeObserver(([entry]) => (viewHeight = entry.contentRect.height)).observe(chatWindow);

/**
 * Renders the open conversation's messages (the streaming answer's live element, if here). A long
 * conversation shows its newest messages first, about a view's worth, where the view opens; the
 * older ones are drawn after that frame, a view's worth per task, so that no task is long; `whole`
 * draws them all at once.
 */
function showConversation(whole = false) {
  const conversation = current;
  const { turns } = conversation;
  const live = streaming?.conversation === conversation ? streaming : null;
  const draw = (/** @type {number} */ from, /** @type {number} */ to) =>
    turns.slice(from, to).map((turn, offset) => {
      const index = from + offset;
      if (live && index === live.index) return live.bot.message;
      if (turn.role === "user") return userMessage(turn.content, index, turn.images);
      return storedBotMessage(displayed(turn), index, !live && index === turns.length - 1);
    });
  const budget = Math.max(1000, viewHeight * CHARS_PER_PIXEL);
  /** Where the view's worth of messages that ends before `end` starts. */
  const batchStart = (/** @type {number} */ end) => {
    let start = end;
    for (let size = 0; start > 0 && size < budget;) {
      size += MESSAGE_COST + turns[--start].content.length;
    }
    return start;
  };
  let drawn = whole ? 0 : batchStart(turns.length);
  emptyState.hidden = turns.length > 0;
  chatWindow.replaceChildren(emptyState, ...draw(drawn, turns.length));
  const round = ++drawRound;
  const drawOlder = () => {
    if (round !== drawRound || conversation !== current) return;
    const start = batchStart(drawn);
    emptyState.after(...draw(start, drawn));
    drawn = start;
    follower.follow();
    if (drawn > 0) setTimeout(drawOlder);
  };
  // After the frame that shows the newest ones.
  if (drawn > 0) afterNextPaint().then(drawOlder);
}

/** Resolves once the next frame has been painted. */
function afterNextPaint() {
  return new Promise((resolve) => requestAnimationFrame(() => setTimeout(resolve)));
}

/** A stored turn as shown: one still being written is said to be so. @param {Turn} turn */
function displayed(turn) {
  return turn.status === "streaming"
    ? { ...turn, notice: "Still being written in another tab…" }
    : turn;
}

/** Opens the stored conversation `id`. */
async function openConversation(/** @type {string} */ id) {
  closeDrawer();
  if (id === current.id) return;
  const store = await storeReady;
  const conversation = streaming?.conversation.id === id
    ? streaming.conversation
    : await store.get(id);
  if (!conversation) return;
  await settleInterrupted(conversation);
  show(conversation);
}

/** Opens the newest conversation other than `leaving`, or a new one. */
async function openNewest(/** @type {string} */ leaving) {
  const list = await listReady;
  const next = list.shown().find((meta) => meta.id !== leaving);
  if (next) await openConversation(next.id);
  else show(newConversation());
}

/**
 * An answer left "streaming" by a page that is gone (reloaded, closed) is marked interrupted, so
 * it can be retried or continued. One that another open tab is still writing is left alone.
 *
 * @param {Conversation} conversation
 */
async function settleInterrupted(conversation) {
  const last = conversation.turns.at(-1);
  if (last?.status !== "streaming" || streaming?.conversation === conversation) return;
  if (await writtenElsewhere(conversation.id)) return;
  Object.assign(last, {
    status: "interrupted",
    notice: "The page was closed or reloaded before this answer was complete.",
  });
  await save(conversation);
}

/** Whether another tab holds the lock of an answer it writes into conversation `id`. */
async function writtenElsewhere(/** @type {string} */ id) {
  const held = (await navigator.locks?.query())?.held ?? [];
  return held.some((lock) => lock.name === answerLock(id));
}

const answerLock = (/** @type {string} */ id) => `ollamaspace-answer:${id}`;

function startNewChat() {
  closeDrawer();
  if (current.turns.length > 0) show(newConversation());
  messageInput.focus();
}

newChatButton.addEventListener("click", startNewChat);

// --- Export and import ----------------------------------------------------------------------

const exportMenu = /** @type {HTMLDetailsElement} */ (byId("export-chat"));
const importInput = /** @type {HTMLInputElement} */ (byId("import-chat"));

/** Saves the open conversation as a file, Markdown or JSON. */
function exportCurrent(/** @type {"md" | "json"} */ kind) {
  exportMenu.open = false;
  if (current.turns.length === 0) {
    note("This chat is empty: there is nothing to export yet.");
    return;
  }
  const name = fileName(current.title, kind);
  if (kind === "md") download(name, "text/markdown", conversationMarkdown(current));
  else download(name, "application/json", exportJson([current]));
}

byId("export-markdown").addEventListener("click", () => exportCurrent("md"));
byId("export-json").addEventListener("click", () => exportCurrent("json"));
byId("export-all").addEventListener("click", async () => {
  exportMenu.open = false;
  const store = await storeReady;
  const metas = await store.list();
  const all = await Promise.all(metas.map((meta) => store.get(meta.id)));
  const conversations = all.filter((conversation) => conversation !== null);
  if (conversations.length === 0) {
    note("There are no chats to export yet.");
    return;
  }
  download("ollamaspace-chats.json", "application/json", exportJson(conversations));
});

/** Restores the conversations of an export file as new ones; a bad file changes nothing. */
importInput.addEventListener("change", async () => {
  const file = importInput.files?.[0];
  importInput.value = "";
  if (!file) return;
  let conversations;
  try {
    if (file.size > MAX_IMPORT_BYTES) {
      throw new Error(`This file is over ${MAX_IMPORT_BYTES / 1024 / 1024} MB, too big to import.`);
    }
    conversations = readExport(await file.text());
  } catch (error) {
    note(`Not imported: ${/** @type {Error} */ (error).message}`);
    return;
  }
  for (const conversation of conversations) await save(conversation, false);
  await (await listReady).refresh();
  closeDrawer();
  show(conversations[0]);
  note(`Imported ${conversations.length} chat${conversations.length === 1 ? "" : "s"}.`);
});

// --- The list as a drawer ----------------------------------------------------------------------

const drawerOpen = () => document.body.classList.contains("drawer-open");

function showSidebarState() {
  const open = drawerMode.matches
    ? drawerOpen()
    : !document.body.classList.contains("sidebar-collapsed");
  sidebarToggle.setAttribute("aria-expanded", String(open));
}

function toggleSidebar() {
  if (!drawerMode.matches) {
    document.body.classList.toggle("sidebar-collapsed");
  } else if (drawerOpen()) {
    closeDrawer();
    return;
  } else {
    document.body.classList.add("drawer-open");
    search.focus();
  }
  showSidebarState();
}

function closeDrawer() {
  if (!drawerOpen()) return;
  document.body.classList.remove("drawer-open");
  showSidebarState();
  if (byId("sidebar").contains(document.activeElement)) sidebarToggle.focus();
}

sidebarToggle.addEventListener("click", toggleSidebar);
byId("close-sidebar").addEventListener("click", closeDrawer);
byId("backdrop").addEventListener("click", closeDrawer);
byId("sidebar").addEventListener("keydown", (event) => {
  if (event.key === "Escape" && drawerOpen()) {
    event.stopPropagation();
    closeDrawer();
  }
});
drawerMode.addEventListener("change", () => {
  document.body.classList.remove("drawer-open");
  showSidebarState();
});

// --- Messages and their actions ----------------------------------------------------------------

/**
 * The turns to send as `history`: each question (with its images) with the answer it got. A
 * question left without an answer (it failed before any text came) is left out, so a retry is not
 * asked twice.
 *
 * @returns {HistoryTurn[]}
 */
function historyOf(/** @type {Turn[]} */ earlier) {
  const history = [];
  for (let index = 0; index < earlier.length - 1; index++) {
    const question = earlier[index];
    const answer = earlier[index + 1];
    if (question.role === "user" && answer.role === "assistant" && answer.content !== "") {
      history.push({
        role: "user",
        content: question.content,
        ...(question.images?.length && { images: question.images }),
      });
      history.push({ role: "assistant", content: answer.content });
    }
  }
  return /** @type {HistoryTurn[]} */ (history);
}

/** Shows a short word under the message box (read out by screen readers). */
function note(/** @type {string} */ text) {
  composerNote.textContent = text;
  clearTimeout(noteTimer);
  noteTimer = setTimeout(() => (composerNote.textContent = ""), 5000);
}

/** Copies an answer's markdown; the button says how it went. */
async function copyAnswer(/** @type {Turn} */ turn, /** @type {HTMLElement | null} */ button) {
  let copied = true;
  try {
    await navigator.clipboard.writeText(turn.content);
  } catch {
    copied = false;
  }
  if (button) {
    button.textContent = copied ? "Copied" : "Copy failed";
    setTimeout(() => (button.textContent = "Copy"), 1500);
  } else {
    note(copied ? "Answer copied." : "The answer could not be copied.");
  }
}

/** Refuses to start an answer while one streams, saying why. */
function busy() {
  if (streaming) note("The answer is still coming: send once it ends, or stop it (Esc).");
  return streaming !== null;
}

/** Lets the reader edit a question in place; sending it drops what came after. */
function editQuestion(/** @type {HTMLElement} */ message, /** @type {number} */ index) {
  if (busy()) return;
  const turn = current.turns[index];
  const form = document.createElement("form");
  form.className = "edit-box";
  const field = document.createElement("textarea");
  field.className = "edit-input";
  field.value = turn.content;
  field.setAttribute("aria-label", "Edit the message");
  const buttons = document.createElement("div");
  buttons.className = "edit-buttons";
  const cancel = document.createElement("button");
  cancel.type = "button";
  cancel.className = "action cancel-edit";
  cancel.textContent = "Cancel";
  const send = document.createElement("button");
  send.type = "submit";
  send.className = "action save-edit";
  send.textContent = "Send";
  buttons.append(cancel, send);
  form.append(field, buttons);
  message.replaceChildren(form);
  field.focus();

  const restore = () => {
    const shown = userMessage(turn.content, index, turn.images);
    message.replaceWith(shown);
    /** @type {HTMLElement} */ (shown.querySelector(".edit-message")).focus();
  };
  cancel.addEventListener("click", restore);
  form.addEventListener("keydown", (event) => {
    if (event.key === "Escape") {
      event.stopPropagation();
      restore();
    } else if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      form.requestSubmit();
    }
  });
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    if (field.value.trim() === "" || busy()) return;
    current.turns.splice(index);
    ask(current, field.value, { redraw: true, images: turn.images });
    messageInput.focus();
  });
}

/** Writes the newest answer again, in place of the one shown. */
function retry(/** @type {number} */ index) {
  const question = current.turns[index - 1];
  if (busy() || question?.role !== "user") return;
  current.turns.splice(index - 1);
  ask(current, question.content, { redraw: true, images: question.images });
}

/** Asks the model to carry on an answer that ended early; what it writes is added to it. */
function carryOn(/** @type {number} */ index) {
  const turn = current.turns[index];
  if (busy() || !turn) return;
  answer(current, {
    prompt: CONTINUE_PROMPT,
    history: historyOf(current.turns.slice(0, index + 1)),
    index,
    earlier: turn,
  });
}

chatWindow.addEventListener("click", (event) => {
  const button = /** @type {Element} */ (event.target).closest("button");
  if (!button) return;
  if (button.classList.contains("copy-code")) {
    copyCode(/** @type {HTMLButtonElement} */ (button));
    return;
  }
  const message = /** @type {HTMLElement | null} */ (button.closest(".message"));
  const index = Number(message?.dataset.index);
  if (!message || !current.turns[index]) return;
  if (button.classList.contains("copy-message")) copyAnswer(current.turns[index], button);
  else if (button.classList.contains("retry")) retry(index);
  else if (button.classList.contains("continue")) carryOn(index);
  else if (button.classList.contains("edit-message")) editQuestion(message, index);
});

// --- Sending and streaming -------------------------------------------------------------------

/** @param {boolean} on */
function setStreaming(on) {
  sendButton.disabled = on;
  stopButton.hidden = !on;
  chatWindow.setAttribute("aria-busy", String(on));
  document.body.classList.toggle("streaming", on);
  const focus = document.activeElement;
  if (!on && (focus === document.body || focus === stopButton || focus === null)) {
    messageInput.focus();
  }
}

/** @param {{ eval_count?: unknown, eval_duration?: unknown, total_duration?: unknown }} done */
function statsOf(done) {
  const tokens = Number(done.eval_count);
  const evalSeconds = Number(done.eval_duration) / 1e9;
  const totalSeconds = Number(done.total_duration) / 1e9;
  const parts = [];
  if (tokens > 0 && evalSeconds > 0) {
    const speed = tokens / evalSeconds;
    parts.push(
      `${tokens} tokens`,
      `${speed < 100 ? speed.toFixed(1) : Math.round(speed)} tokens/s`,
    );
  }
  if (totalSeconds > 0) parts.push(`${totalSeconds.toFixed(1)} s`);
  return parts.join(" · ");
}

/** Sends what the message box holds, unless an answer is still coming. */
async function send() {
  const prompt = messageInput.value;
  if (prompt.trim() === "" || busy()) return;
  if (current.turns.at(-1)?.status === "streaming") {
    note("This conversation is being answered in another tab: wait for it there.");
    return;
  }
  const { turns } = current;
  // The question that failed, sent again, takes the place of the failure.
  const redraw = turns.at(-1)?.status === "failed" && turns.at(-2)?.content === prompt;
  if (redraw) turns.splice(-2);
  messageInput.value = "";
  await attachments.ready();
  await ask(current, prompt, { redraw, images: attachments.take() });
}

/**
 * Adds the question `prompt` to `conversation` and streams its answer. `redraw` when turns were
 * taken away (retry, edit), so the view is drawn again rather than added to.
 *
 * @param {Conversation} conversation
 * @param {string} prompt
 * @param {{ redraw: boolean, images?: string[] }} how `images` go with the question.
 */
function ask(conversation, prompt, { redraw, images = [] }) {
  const history = historyOf(conversation.turns);
  if (conversation.title === "") conversation.title = shortTitle(prompt);
  conversation.turns.push({
    role: "user",
    content: prompt,
    ...(images.length > 0 && { images }),
  });
  if (!redraw && conversation === current) {
    for (const button of chatWindow.querySelectorAll(".retry, .continue")) button.remove();
    emptyState.hidden = true;
    chatWindow.append(userMessage(prompt, conversation.turns.length - 1, images));
  }
  return answer(conversation, { prompt, images, history, redraw });
}

/**
 * Streams an answer into `conversation`: a new turn at its end, or the turn at `index` carried
 * on from `earlier`. Saves it as it streams, and whole at the end however it ends.
 *
 * @param {Conversation} conversation
 * @param {{ prompt: string, images?: string[], history: HistoryTurn[], redraw?: boolean,
 *   index?: number, earlier?: Turn }} request
 */
async function answer(
  conversation,
  { prompt, images = [], history, redraw = true, index, earlier },
) {
  const model = modelSelect.value;
  const abort = new AbortController();
  /** @type {Turn} */
  const turn = {
    ...(earlier ?? { content: "" }),
    role: "assistant",
    status: "streaming",
    model: model || defaultModel,
  };
  delete turn.notice;
  delete turn.stats;
  const at = index ?? conversation.turns.length;
  conversation.turns[at] = turn;
  conversation.updatedAt = Date.now();
  const shown = () => conversation === current;
  const bot = streamingBotMessage(() => shown() && follower.follow(), at, earlier);
  streaming = { abort, conversation, index: at, bot };
  if (redraw || earlier) showConversation();
  else chatWindow.append(bot.message);
  follower.follow(true);
  setStreaming(true);

  /** @type {() => void} */
  let release = () => {};
  const held = new Promise((resolve) => (release = () => resolve(undefined)));
  navigator.locks?.request(answerLock(conversation.id), () => held);
  save(conversation);
  let saveTimer = 0;
  const savePartial = () => {
    if (saveTimer !== 0) return;
    saveTimer = setTimeout(() => {
      saveTimer = 0;
      Object.assign(turn, bot.partial());
      save(conversation, false);
    }, SAVE_EVERY_MS);
  };

  const inline = createThinkSplitter();
  const addText = (/** @type {{ thinking: string, answer: string }} */ parts) => {
    if (parts.thinking) bot.addThinking(parts.thinking);
    if (parts.answer) bot.addAnswer(parts.answer);
  };
  const settings = settingsPanel.requestFields();
  const ended = (/** @type {Partial<Turn>} */ how) => Object.assign(turn, how);
  let started = false;
  try {
    const vision = (await capabilitiesOf(turn.model ?? "")).includes("vision");
    const fitted = fitImages(history, images, vision);
    if (fitted.dropped > 0) {
      note(
        vision
          ? `${fitted.dropped} earlier image(s) left out, to keep the request within its size limit.`
          : `${turn.model} cannot read images: the earlier ones were not sent.`,
      );
    }
    const body = {
      prompt,
      history: fitted.history,
      ...(images.length > 0 && { images }),
      ...(model && { model }),
      ...settings,
    };
    for await (const line of streamChat({ apiKey, body, signal: abort.signal })) {
      if (typeof line.status === "string") {
        bot.status(line);
        continue;
      }
      if (line.context && typeof line.context.kept === "number") {
        // The gateway had to leave the oldest turns out of the model's context window.
        note(`Earlier messages no longer fit: the model sees the last ${line.context.kept}.`);
        continue;
      }
      if (typeof line.thinking === "string") {
        started = true;
        bot.token();
        bot.addThinking(line.thinking);
        savePartial();
      }
      if (typeof line.response === "string") {
        started = true;
        bot.token();
        addText(inline.split(line.response));
        savePartial();
      }
      if (typeof line.error === "string") {
        ended({ status: "interrupted", notice: describeInterruption(line.error) });
        break;
      }
      if (line.done === true) {
        const cut = line.done_reason === "length";
        ended({
          status: cut ? "length" : "done",
          stats: statsOf(line),
          ...(cut && { notice: "The answer was cut off at its length limit." }),
        });
        if (typeof line.model === "string") turn.model = line.model;
      }
    }
    if (turn.status === "streaming") {
      ended({
        status: "interrupted",
        notice: describeInterruption("the server ended the answer before it was complete"),
      });
    }
  } catch (error) {
    if (abort.signal.aborted) {
      ended({ status: "stopped", notice: "Stopped." });
    } else if (!started && !earlier) {
      ended({ status: "failed", notice: describeFailure(error, turn.model ?? "") });
    } else {
      ended({ status: "interrupted", notice: describeInterruption(error) });
    }
    if (error instanceof RequestFailure && error.status === 401) {
      showKeyState(apiKey === "" ? "none" : "rejected");
      keyMenu.open = true;
      keyInput.focus();
    }
    if (error instanceof RequestFailure && error.status === 404) dropModel(turn.model ?? "");
  } finally {
    clearTimeout(saveTimer);
    addText(inline.flush());
    const finished = bot.finish(turn);
    conversation.turns[at] = finished;
    conversation.updatedAt = Date.now();
    if (streaming?.abort === abort) streaming = null;
    if (shown()) {
      addBotActions(bot.message, finished, at === conversation.turns.length - 1);
      // The last render (a formula or code block that closed) and the actions add height.
      follower.follow();
    }
    setStreaming(false);
    await save(conversation);
    release();
    if (finished.status === "failed" && shown() && messageInput.value === "") {
      messageInput.value = prompt;
      attachments.restore(images);
    }
  }
}

composer.addEventListener("submit", (event) => {
  event.preventDefault();
  send();
});

messageInput.addEventListener("keydown", (event) => {
  if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
    event.preventDefault();
    send();
  }
});

/** Stops the streaming answer; false when there is none. */
function stop() {
  if (!streaming) return false;
  streaming.abort.abort();
  return true;
}

stopButton.addEventListener("click", stop);

wireShortcuts({
  newChat: startNewChat,
  focusInput: () => messageInput.focus(),
  stop,
  toggleSidebar,
  copyLastAnswer: () => {
    const last = current.turns.findLast((turn) => turn.role === "assistant" && turn.content);
    if (last) copyAnswer(last, null);
    else note("There is no answer to copy yet.");
  },
});

// --- Start -----------------------------------------------------------------------------------

keyInput.value = apiKey;
showKeyState(apiKey === "" ? "none" : "saved");
keyMenu.open = apiKey === "";
showSidebarState();
settingsPanel.show(current.settings);
fillModels();
(apiKey === "" ? keyInput : messageInput).focus();

const store = await storeReady;
showStorageProblem(store.problem());
const list = await listReady;
await list.refresh();
performance.mark("conversation-list-shown");
// The conversation this tab had open, or the newest; a new chat stays a new chat on reload.
const wanted = new URLSearchParams(location.hash.slice(1)).get("c");
const first = wanted === null ? list.shown()[0] : list.shown().find((meta) => meta.id === wanted);
if (first && current.turns.length === 0 && !streaming) {
  // Read while the list is painted; drawn after that frame, so the list shows at once.
  const [conversation] = await Promise.all([store.get(first.id), afterNextPaint()]);
  if (conversation && current.turns.length === 0) {
    await settleInterrupted(conversation);
    show(conversation);
  }
} else {
  show(current);
}
