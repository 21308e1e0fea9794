/**
 * The chat page: wires the header (API key, model, new chat), the conversation and the composer
 * to the gateway. One answer streams at a time; whatever happens to it, the page ends up ready
 * for the next message.
 *
 * @module
 */

import { fetchDefaultModel, fetchModelNames, RequestFailure, streamChat } from "./chat_api.js";
import { describeFailure, describeInterruption } from "./failures.js";
import { copyCode } from "./markdown.js";
import { storedBotMessage, streamingBotMessage, userMessage } from "./messages.js";
import {
  loadApiKey,
  loadConversation,
  loadModel,
  saveApiKey,
  saveConversation,
  saveModel,
} from "./storage.js";
import { createThinkSplitter } from "./think.js";

/** @typedef {import("./storage.js").Turn} Turn */

/** @param {string} id */
const byId = (id) => /** @type {HTMLElement} */ (document.getElementById(id));

const keyForm = /** @type {HTMLFormElement} */ (byId("key-form"));
const keyInput = /** @type {HTMLInputElement} */ (byId("api-key"));
const keyToggle = byId("toggle-key");
const keyStatus = byId("key-status");
const modelSelect = /** @type {HTMLSelectElement} */ (byId("model-select"));
const newChatButton = byId("new-chat");
const chatWindow = byId("chat-window");
const emptyState = byId("empty-state");
const composer = /** @type {HTMLFormElement} */ (byId("composer"));
const messageInput = /** @type {HTMLTextAreaElement} */ (byId("message-input"));
const sendButton = /** @type {HTMLButtonElement} */ (byId("send-button"));
const stopButton = byId("stop-button");

/** Distance from the bottom, in pixels, within which the reader counts as following the end. */
const FOLLOW_MARGIN = 48;

let apiKey = loadApiKey();
let defaultModel = "";
/** @type {Turn[]} */
let turns = loadConversation();
/** @type {AbortController | null} */
let streaming = null;
let following = true;
let modelListRequest = 0;

// --- API key ---------------------------------------------------------------------------------

/** Shows whether a key is saved, and whether the server turned it down. */
function showKeyState(rejected = false) {
  keyStatus.textContent = apiKey === ""
    ? "No key saved"
    : rejected
    ? "Key not accepted"
    : "Key saved";
  document.body.classList.toggle("no-key", apiKey === "");
  document.body.classList.toggle("key-rejected", apiKey !== "" && rejected);
}

keyForm.addEventListener("submit", (event) => {
  event.preventDefault();
  apiKey = keyInput.value.trim();
  keyInput.value = apiKey;
  saveApiKey(apiKey);
  showKeyState();
  fillModels();
  if (apiKey !== "") messageInput.focus();
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
 * the list cannot be had, offers the default (and the reader's earlier choice) only.
 */
async function fillModels() {
  const request = ++modelListRequest;
  modelSelect.setAttribute("aria-busy", "true");
  const [fallback, installed] = await Promise.all([fetchDefaultModel(), fetchModelNames(apiKey)]);
  if (request !== modelListRequest) return;
  modelSelect.removeAttribute("aria-busy");
  defaultModel = fallback;
  const chosen = loadModel();
  const names = installed.length > 0
    ? installed
    : [...new Set([fallback, chosen].filter((name) => name !== ""))];
  const options = names.map((name) => {
    const option = new Option(name, name);
    option.selected = name === (names.includes(chosen) ? chosen : fallback);
    return option;
  });
  modelSelect.replaceChildren(
    ...(options.length > 0 ? options : [new Option("Server default", "")]),
  );
}

modelSelect.addEventListener("change", () => saveModel(modelSelect.value));

// --- Conversation ----------------------------------------------------------------------------

/** Scrolls to the newest message if the reader is following the end (or `force`). */
function followEnd(force = false) {
  if (force) following = true;
  if (following) chatWindow.scrollTop = chatWindow.scrollHeight;
}

chatWindow.addEventListener("scroll", () => {
  const { scrollHeight, scrollTop, clientHeight } = chatWindow;
  following = scrollHeight - scrollTop - clientHeight < FOLLOW_MARGIN;
}, { passive: true });

chatWindow.addEventListener("click", (event) => {
  const button = /** @type {Element} */ (event.target).closest(".copy-code");
  if (button) copyCode(/** @type {HTMLButtonElement} */ (button));
});

function showConversation() {
  chatWindow.replaceChildren(emptyState);
  for (const turn of turns) {
    chatWindow.append(turn.role === "user" ? userMessage(turn.content) : storedBotMessage(turn));
  }
  emptyState.hidden = turns.length > 0;
  followEnd(true);
}

/**
 * The turns to send as `history`: each question with the answer it got. A question left without
 * an answer (it failed before any text came) is left out, so a retry is not asked twice.
 *
 * @returns {{ role: "user" | "assistant", content: string }[]}
 */
function historyOf(/** @type {Turn[]} */ earlier) {
  const history = [];
  for (let index = 0; index < earlier.length - 1; index++) {
    const question = earlier[index];
    const answer = earlier[index + 1];
    if (question.role === "user" && answer.role === "assistant" && answer.content !== "") {
      history.push({ role: "user", content: question.content });
      history.push({ role: "assistant", content: answer.content });
    }
  }
  return /** @type {{ role: "user" | "assistant", content: string }[]} */ (history);
}

newChatButton.addEventListener("click", () => {
  streaming?.abort();
  turns = [];
  saveConversation(turns);
  showConversation();
  messageInput.focus();
});

// --- Sending and streaming -------------------------------------------------------------------

/** @param {boolean} on */
function setStreaming(on) {
  messageInput.disabled = on;
  sendButton.disabled = on;
  stopButton.hidden = !on;
  chatWindow.setAttribute("aria-busy", String(on));
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

async function send() {
  const prompt = messageInput.value;
  if (prompt.trim() === "" || streaming) return;
  const abort = new AbortController();
  streaming = abort;
  const conversation = turns; // "New chat" replaces it; this answer then belongs to no one.
  const model = modelSelect.value;
  const history = historyOf(turns);

  conversation.push({ role: "user", content: prompt });
  saveConversation(conversation);
  emptyState.hidden = true;
  chatWindow.append(userMessage(prompt));
  messageInput.value = "";
  const bot = streamingBotMessage(() => followEnd());
  chatWindow.append(bot.message);
  followEnd(true);
  setStreaming(true);

  const inline = createThinkSplitter();
  const addText = (/** @type {{ thinking: string, answer: string }} */ parts) => {
    if (parts.thinking) bot.addThinking(parts.thinking);
    if (parts.answer) bot.addAnswer(parts.answer);
  };
  /** @type {Turn} */
  const turn = { role: "assistant", content: "", model: model || defaultModel };
  let started = false;
  try {
    const body = { prompt, history, ...(model && { model }) };
    for await (const line of streamChat({ apiKey, body, signal: abort.signal })) {
      started = true;
      if (typeof line.thinking === "string") bot.addThinking(line.thinking);
      if (typeof line.response === "string") addText(inline.split(line.response));
      if (typeof line.error === "string") {
        Object.assign(turn, { status: "interrupted", notice: describeInterruption(line.error) });
        break;
      }
      if (line.done === true) {
        Object.assign(turn, { status: "done", stats: statsOf(line) });
        if (typeof line.model === "string") turn.model = line.model;
      }
    }
    if (!turn.status) {
      const notice = describeInterruption("the server ended the answer before it was complete");
      Object.assign(turn, { status: "interrupted", notice });
    }
  } catch (error) {
    if (abort.signal.aborted) {
      Object.assign(turn, { status: "stopped", notice: "Stopped." });
    } else if (!started) {
      Object.assign(turn, { status: "failed", notice: describeFailure(error, turn.model ?? "") });
    } else {
      Object.assign(turn, { status: "interrupted", notice: describeInterruption(error) });
    }
    if (error instanceof RequestFailure && error.status === 401) {
      showKeyState(true);
      keyInput.focus();
    }
  } finally {
    addText(inline.flush());
    const finished = bot.finish(turn);
    if (conversation === turns) {
      turns.push(finished);
      saveConversation(turns);
    }
    if (streaming === abort) streaming = null;
    setStreaming(false);
    if (turn.status === "failed" && messageInput.value === "") messageInput.value = prompt;
    if (document.activeElement === document.body) messageInput.focus();
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

stopButton.addEventListener("click", () => streaming?.abort());

document.addEventListener("keydown", (event) => {
  if (event.key === "Escape" && streaming) streaming.abort();
});

// --- Start -----------------------------------------------------------------------------------

keyInput.value = apiKey;
showKeyState();
showConversation();
fillModels();
(apiKey === "" ? keyInput : messageInput).focus();
