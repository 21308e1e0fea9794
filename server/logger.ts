/**
 * The gateway's log: one line per event, `<ISO time> <level> <message>`, written when its level is
 * at least the configured `LOG_LEVEL`. Debug and info lines go to stdout, warnings and errors to
 * stderr. Callers must never pass a key, a prompt or an answer: the log is read by more people
 * than the chat is.
 *
 * @module
 */

/** Log levels, least severe first. */
export const LOG_LEVELS = ["debug", "info", "warn", "error"] as const;

/** One of {@link LOG_LEVELS}. */
export type LogLevel = (typeof LOG_LEVELS)[number];

/** Writes a line at each level; lines below the logger's level are dropped. */
export type Logger = Record<LogLevel, (message: string) => void>;

/** A logger that writes lines at `level` and above. */
export function createLogger(level: LogLevel): Logger {
  const threshold = LOG_LEVELS.indexOf(level);
  const line = (at: LogLevel, stream: "log" | "error") => (message: string) => {
    if (LOG_LEVELS.indexOf(at) < threshold) return;
    console[stream](`${new Date().toISOString()} ${at} ${message}`);
  };
  return {
    debug: line("debug", "log"),
    info: line("info", "log"),
    warn: line("warn", "error"),
    error: line("error", "error"),
  };
}
