/**
 * The conversation's elements: a user message, and a bot message that fills in as its answer
 * streams (typing indicator, reasoning in a collapsed `<details>`, the answer as markdown, a
 * notice when it did not end well, and its speed underneath). Model text only ever reaches the
 * page as text nodes or through the sanitizing markdown renderer.
 *
 * @module
 */

import { createLiveMarkdown } from "./live_markdown.js";
import { renderMarkdown } from "./markdown.js";

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

/** A message the reader sent, shown as they typed it. @param {string} text */
export function userMessage(text) {
  const message = element("article", "message user");
  message.append(element("div", "message-text", text));
  return message;
}

/**
 * A bot message as it was stored: reasoning, rendered answer, notice and stats.
 *
 * @param {Turn} turn
 */
export function storedBotMessage(turn) {
  const view = botMessageParts();
  if (turn.thinking) view.showThinking(turn.thinking, turn.thoughtSeconds);
  view.content.append(renderMarkdown(turn.content));
  view.showEnd(turn);
  return view.message;
}

/**
 * @typedef {object} StreamingBotMessage
 * @property {HTMLElement} message The element to insert.
 * @property {(text: string) => void} addThinking Adds reasoning text.
 * @property {(text: string) => void} addAnswer Adds answer text (markdown).
 * @property {(turn: Turn) => Turn} finish Shows how it ended; returns the turn with reasoning and
 *   timing filled in, ready to store.
 */

/**
 * A bot message for an answer about to stream.
 *
 * @param {() => void} onGrow Called whenever the message got taller (to follow the end).
 * @returns {StreamingBotMessage}
 */
export function streamingBotMessage(onGrow) {
  const view = botMessageParts();
  const { message } = view;
  const typing = element("div", "typing");
  typing.append(element("span", "dot"), element("span", "dot"), element("span", "dot"));
  typing.append(element("span", "visually-hidden", "Waiting for the answer…"));
  message.append(typing);
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

  return {
    message,
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
    addAnswer(text) {
      typing.remove();
      stopThinking();
      answer.append(text);
    },
    finish(turn) {
      typing.remove();
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
