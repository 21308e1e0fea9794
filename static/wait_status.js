/**
 * The line under a pending answer that tells waiting from stuck: the seconds since sending and
 * what the gateway says is happening (waiting in line, loading the model), then the time to the
 * first token and a live tokens/s while the answer streams. It is redrawn once a second, never
 * per token: a token only adds one to a count.
 *
 * @module
 */

/**
 * What the gateway's status line says, as a phrase without the time; "" for a status this page
 * does not know (it then keeps saying it waits).
 *
 * @param {Record<string, unknown>} line A `{"status": …}` line of `/chat_api`.
 */
export function describeStatus(line) {
  switch (line.status) {
    case "queued": {
      const ahead = Number(line.position);
      if (!(ahead > 0)) return "Next in line";
      return `Waiting in line: ${ahead} ahead of you`;
    }
    case "loading":
      return typeof line.model === "string" && line.model !== ""
        ? `Loading ${line.model}…`
        : "Loading the model…";
    case "waiting":
      return "Waiting for the first word…";
    default:
      return "";
  }
}

/**
 * @typedef {object} WaitStatus
 * @property {HTMLElement} element The `.wait-status` line to show.
 * @property {(line: Record<string, unknown>) => void} status Takes a `{"status": …}` line.
 * @property {() => void} token Counts one streamed token.
 * @property {() => void} stop Stops the clock (the line is then removed by its owner).
 */

/** Starts the clock of a pending answer. @returns {WaitStatus} */
export function createWaitStatus() {
  const element = document.createElement("p");
  element.className = "wait-status";
  // Redrawn every second: a screen reader should not read each tick.
  element.setAttribute("aria-live", "off");
  const sent = performance.now();
  let phrase = "Waiting for the answer…";
  let firstToken = 0;
  let tokens = 0;

  const draw = () => {
    const now = performance.now();
    if (firstToken === 0) {
      const seconds = `${Math.floor((now - sent) / 1000)} s`;
      element.textContent = phrase.endsWith("…")
        ? `${phrase} ${seconds}`
        : `${phrase} · ${seconds}`;
      return;
    }
    const parts = [`First token after ${((firstToken - sent) / 1000).toFixed(1)} s`];
    const seconds = (now - firstToken) / 1000;
    if (tokens > 1 && seconds > 0.5) parts.push(`${((tokens - 1) / seconds).toFixed(1)} tokens/s`);
    element.textContent = parts.join(" · ");
  };
  const clock = setInterval(draw, 1000);
  draw();

  return {
    element,
    status(line) {
      if (firstToken !== 0) return;
      const said = describeStatus(line);
      if (said !== "") phrase = said;
      draw();
    },
    token() {
      tokens++;
      if (firstToken === 0) {
        firstToken = performance.now();
        draw();
      }
    },
    stop() {
      clearInterval(clock);
    },
  };
}
