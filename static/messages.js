/**
 * The conversation's elements: a user message (with Edit), and a bot message that fills in as
 * its answer streams (typing indicator and wait status, reasoning in a collapsed `<details>`, the
 * answer as markdown, a notice when it did not end well, its speed underneath, and its actions:
 * Copy, Retry, Continue). Model text only ever reaches the page as text nodes or through the
 * sanitizing markdown renderer. Each message carries its turn's index in `data-index`.
 *
 * @module
 */

import { imageSource } from "./attachments.js";
import { createLiveMarkdown } from "./live_markdown.js";
import { renderMarkdown } from "./markdown.js";
import { createWaitStatus } from "./wait_status.js";

/** @typedef {import("./storage.js").Turn} Turn */

/**
 * @param {string} tag
 * @param {string} className
 * @param {string} [text]
 */
function element(tag, className, text) {
  const node = document.createElement(tag);
  node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

/** Answers that ended early, which the model can be asked to carry on. */
const CONTINUABLE = new Set(["stopped", "interrupted", "length"]);

/**
 * A message the reader sent, shown as they typed it (with the images it carried), with its Edit
 * button.
 *
 * @param {string} text
 * @param {number} index The turn's place in the conversation.
 * @param {string[]} [images] Base64 JPEGs sent with it.
 */
export function userMessage(text, index, images = []) {
  const message = element("article", "message user");
  message.dataset.index = String(index);
  if (images.length > 0) {
    const shown = element("div", "message-images");
    shown.append(...images.map((image, at) => {
      const img = document.createElement("img");
      img.src = imageSource(image);
      img.alt = `Image ${at + 1} of the question`;
      return img;
    }));
    message.append(shown);
  }
  message.append(element("div", "message-text", text));
  const actions = element("div", "message-actions");
  actions.append(actionButton("edit-message", "Edit", "Edit this message and send it again"));
  message.append(actions);
  return message;
}

/**
 * A bot message as it was stored: reasoning, rendered answer, notice, stats and actions.
 *
 * @param {Turn} turn
 * @param {number} index The turn's place in the conversation.
 * @param {boolean} last Whether it is the newest answer (which can be retried or continued).
 */
export function storedBotMessage(turn, index, last) {
  const view = botMessageParts();
  view.message.dataset.index = String(index);
  if (turn.thinking) view.showThinking(turn.thinking, turn.thoughtSeconds);
  view.content.append(renderMarkdown(turn.content));
  view.showEnd(turn);
  addBotActions(view.message, turn, last);
  return view.message;
}

/**
 * Adds the actions of a finished answer: Copy when it has text; Retry, and Continue when it
 * ended early, for the newest answer only.
 *
 * @param {HTMLElement} message
 * @param {Turn} turn
 * @param {boolean} last
 */
export function addBotActions(message, turn, last) {
  const actions = element("div", "message-actions");
  if (turn.content !== "") {
    actions.append(actionButton("copy-message", "Copy", "Copy this answer as markdown"));
  }
  if (last) {
    actions.append(actionButton("retry", "Retry", "Write this answer again"));
    if (turn.content !== "" && CONTINUABLE.has(turn.status ?? "")) {
      actions.append(actionButton("continue", "Continue", "Ask the model to carry on"));
    }
  }
  if (actions.childElementCount > 0) message.append(actions);
}

/**
 * @param {string} className
 * @param {string} label
 * @param {string} title
 */
function actionButton(className, label, title) {
  const button = element("button", `action ${className}`, label);
  button.setAttribute("type", "button");
  button.title = title;
  return button;
}

/**
 * @typedef {object} StreamingBotMessage
 * @property {HTMLElement} message The element to insert.
 * @property {(line: Record<string, unknown>) => void} status Shows a `{"status": …}` line.
 * @property {() => void} token Counts a streamed token, for the live speed.
 * @property {(text: string) => void} addThinking Adds reasoning text.
 * @property {(text: string) => void} addAnswer Adds answer text (markdown).
 * @property {() => { content: string, thinking: string }} partial The answer so far.
 * @property {(turn: Turn) => Turn} finish Shows how it ended; returns the turn with reasoning and
 *   timing filled in, ready to store.
 */

/**
 * A bot message for an answer about to stream; `earlier` is the part already written, when the
 * model is asked to continue an answer.
 *
 * @param {() => void} onGrow Called whenever the message got taller (to follow the end).
 * @param {number} index The turn's place in the conversation.
 * @param {{ content: string, thinking?: string, thoughtSeconds?: number }} [earlier]
 * @returns {StreamingBotMessage}
 */
export function streamingBotMessage(onGrow, index, earlier) {
  const view = botMessageParts();
  const { message } = view;
  message.dataset.index = String(index);
  const typing = element("div", "typing");
  typing.append(element("span", "dot"), element("span", "dot"), element("span", "dot"));
  typing.append(element("span", "visually-hidden", "Waiting for the answer…"));
  const wait = createWaitStatus();
  message.append(typing, wait.element);
  message.setAttribute("aria-busy", "true");

  const answer = createLiveMarkdown(view.content, onGrow);
  let thinking = "";
  let thinkingStarted = 0;
  let thoughtSeconds = 0;
  /** @type {Text | null} */
  let thinkingText = null;

  const stopThinking = () => {
    if (thinkingStarted === 0 || thoughtSeconds > 0) return;
    thoughtSeconds = Math.max(1, Math.round((performance.now() - thinkingStarted) / 1000));
    view.labelThinking(thoughtSeconds);
  };

  const result = {
    message,
    status: wait.status,
    token: wait.token,
    /** @param {string} text */
    addThinking(text) {
      typing.remove();
      thinking += text;
      if (thinkingText === null) {
        thinkingStarted = performance.now();
        thinkingText = view.showThinking("");
        onGrow();
      }
      thinkingText.appendData(text);
    },
    /** @param {string} text */
    addAnswer(text) {
      typing.remove();
      stopThinking();
      answer.append(text);
    },
    partial: () => ({ content: answer.text(), thinking }),
    /** @param {Turn} turn */
    finish(turn) {
      typing.remove();
      wait.stop();
      wait.element.remove();
      stopThinking();
      answer.finish();
      message.removeAttribute("aria-busy");
      const stored = { ...turn, content: answer.text() };
      if (thinking) Object.assign(stored, { thinking, thoughtSeconds });
      view.showEnd(stored);
      onGrow();
      return stored;
    },
  };
  if (earlier?.thinking) {
    thinking = earlier.thinking;
    thoughtSeconds = earlier.thoughtSeconds ?? 1;
    thinkingText = view.showThinking(thinking, thoughtSeconds);
  }
  if (earlier?.content) answer.append(earlier.content);
  return result;
}

/** The empty frame of a bot message and how to fill its parts. */
function botMessageParts() {
  const message = element("article", "message bot");
  const content = element("div", "message-text markdown");
  message.append(content);
  /** @type {HTMLElement | null} */
  let summary = null;

  return {
    message,
    content,
    /**
     * Adds the collapsed reasoning block; returns the text node it grows in.
     *
     * @param {string} text
     * @param {number} [seconds] How long it took; absent while the model is still reasoning.
     */
    showThinking(text, seconds) {
      const details = element("details", "thinking");
      summary = element("summary", "", "Thinking…");
      const body = element("div", "thinking-text");
      const node = document.createTextNode(text);
      body.append(node);
      details.append(summary, body);
      message.prepend(details);
      if (seconds) this.labelThinking(seconds);
      return node;
    },
    /** @param {number} seconds */
    labelThinking(seconds) {
      if (summary) summary.textContent = `Thought for ${seconds} s`;
    },
    /** Shows the notice (stopped, interrupted, failed) and the stats line. @param {Turn} turn */
    showEnd(turn) {
      if (turn.notice) {
        const notice = element("p", `notice ${turn.status ?? ""}`, turn.notice);
        if (turn.status !== "stopped") notice.setAttribute("role", "alert");
        message.append(notice);
      }
      if (turn.status && turn.status !== "done") message.classList.add(turn.status);
      if (turn.status === "failed") return;
      const meta = [turn.model, turn.stats].filter(Boolean).join(" · ");
      if (meta) message.append(element("p", "meta", meta));
    },
  };
}
