/**
 * The gateway's log: one line per event, `<ISO time> <level> <message>`, written when its level is
 * at least the configured `LOG_LEVEL`. Debug and info lines go to stdout, warnings and errors to
 * stderr. Callers must never pass a key, a prompt or an answer: the log is read by more people
 * than the chat is. A message is written on one line, whatever text a client put in it: every
 * character that could break the line or disguise it (see {@link escapeForLog}) is escaped.
 *
 * @example Invisible characters in a message are written as escapes
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { escapeForLog } from "./logger.ts";
 *
 * assertEquals(escapeForLog("a\u2028b\u202Ec\nd"), "a\\u2028b\\u202ec\\nd");
 * ```
 *
 * @module
 */

/** Log levels, least severe first. */
export const LOG_LEVELS = ["debug", "info", "warn", "error"] as const;

/** One of {@link LOG_LEVELS}. */
export type LogLevel = (typeof LOG_LEVELS)[number];

/** Writes a line at each level; lines below the logger's level are dropped. */
export type Logger = Record<LogLevel, (message: string) => void>;

/**
 * Characters a log line must not carry as they are: C0 controls but tab (CR, LF, ESC...), DEL and
 * the C1 controls (U+0085, NEL, among them), the line and paragraph separators U+2028 and U+2029,
 * and the bidirectional marks, embeddings, overrides and isolates (U+061C, U+200E, U+200F,
 * U+202A-U+202E, U+2066-U+2069), which reorder what a reader sees.
 */
const UNSAFE_IN_LOG =
  // deno-lint-ignore no-control-regex -- control characters are what it finds
  /[\x00-\x08\x0a-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

/**
 * `text` with every character of {@link UNSAFE_IN_LOG} written as an escape: `\n` and `\r` for
 * line breaks, `\uXXXX` for the rest (as JSON writes them, so a quoted field stays valid JSON).
 */
export function escapeForLog(text: string): string {
  return text.replace(UNSAFE_IN_LOG, (character) => {
    if (character === "\n") return "\\n";
    if (character === "\r") return "\\r";
    return `\\u${character.charCodeAt(0).toString(16).padStart(4, "0")}`;
  });
}

/** A logger that writes lines at `level` and above, each message escaped by {@link escapeForLog}. */
export function createLogger(level: LogLevel): Logger {
  const threshold = LOG_LEVELS.indexOf(level);
  const line = (at: LogLevel, stream: "log" | "error") => (message: string) => {
    if (LOG_LEVELS.indexOf(at) < threshold) return;
    console[stream](`${new Date().toISOString()} ${at} ${escapeForLog(message)}`);
  };
  return {
    debug: line("debug", "log"),
    info: line("info", "log"),
    warn: line("warn", "error"),
    error: line("error", "error"),
  };
}
