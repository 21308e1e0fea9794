/**
 * The settings of one conversation (`#chat-settings`): thinking on or off (and its level, for
 * models that take one), the system prompt, and the few Ollama options people change. They are
 * kept with the conversation, turned into the `system`, `think` and `options` of each request, and
 * summed up in the panel's summary so their state shows while it is closed.
 *
 * @module
 */

/** @typedef {import("./store.js").ChatSettings} ChatSettings */

/** Ollama options offered, with the input that holds each and how the summary names it. */
const OPTIONS = /** @type {const} */ ([
  ["temperature", "temperature", "Temperature", false],
  ["top_p", "top-p", "Top P", false],
  ["num_ctx", "num-ctx", "Context", true],
  ["num_predict", "num-predict", "Max tokens", true],
  ["seed", "seed", "Seed", true],
]);

/**
 * Whether `model` takes a thinking level rather than on/off: in Ollama only the gpt-oss models.
 *
 * @param {string} model
 */
export function takesThinkLevel(model) {
  return model.startsWith("gpt-oss");
}

/**
 * @typedef {object} SettingsPanel
 * @property {(settings: ChatSettings) => void} show Shows a conversation's settings.
 * @property {(model: { thinks: boolean, levels: boolean }) => void} setModel What the chosen
 *   model can do: thinking controls show only for a model that thinks.
 * @property {() => { system?: string, think?: boolean | string, options?: Record<string, number> }}
 *   requestFields The request fields these settings add.
 */

/**
 * Wires the panel; `onChange` gets the settings after each edit, `persist` once an edit is done.
 *
 * @param {(settings: ChatSettings, persist: boolean) => void} onChange
 * @returns {SettingsPanel}
 */
export function createSettingsPanel(onChange) {
  const byId = (/** @type {string} */ id) => /** @type {HTMLInputElement} */ (
    document.getElementById(id)
  );
  const panel = byId("chat-settings");
  const summary = byId("settings-summary");
  const thinkRow = /** @type {HTMLElement} */ (panel.querySelector(".think-row"));
  const thinkToggle = byId("think-toggle");
  const thinkLevel =
    /** @type {HTMLSelectElement} */ (/** @type {unknown} */ (byId("think-level")));
  const system =
    /** @type {HTMLTextAreaElement} */ (/** @type {unknown} */ (byId("system-prompt")));
  /** @type {ChatSettings} */
  let settings = {};
  let thinks = false;
  let levels = false;

  const think = () => {
    if (!thinks) return undefined;
    if (settings.think === false) return false;
    if (!levels) return true;
    return typeof settings.think === "string" ? settings.think : "medium";
  };

  const describe = () => {
    const parts = [];
    const thinking = think();
    if (thinking !== undefined) {
      parts.push(
        thinking === false
          ? "Thinking off"
          : thinking === true
          ? "Thinking on"
          : `Thinking ${thinking}`,
      );
    }
    if (settings.system) parts.push("System prompt");
    for (const [key, , label] of OPTIONS) {
      if (settings[key] !== undefined) parts.push(`${label} ${settings[key]}`);
    }
    summary.textContent = parts.length > 0 ? parts.join(" · ") : "Default settings";
  };

  const read = () => {
    /** @type {ChatSettings} */
    const next = {};
    if (!thinkToggle.checked) next.think = false;
    else if (levels) next.think = /** @type {"low" | "medium" | "high"} */ (thinkLevel.value);
    else if (settings.think !== undefined && settings.think !== false) next.think = settings.think;
    if (system.value.trim() !== "") next.system = system.value;
    for (const [key, id, , whole] of OPTIONS) {
      const value = byId(id).valueAsNumber;
      if (Number.isFinite(value)) next[key] = whole ? Math.round(value) : value;
    }
    settings = next;
    thinkLevel.disabled = !thinkToggle.checked;
    describe();
  };

  panel.addEventListener("input", () => {
    read();
    onChange(settings, false);
  });
  panel.addEventListener("change", () => {
    read();
    onChange(settings, true);
  });

  return {
    show(next) {
      settings = { ...next };
      thinkToggle.checked = settings.think !== false;
      thinkLevel.value = typeof settings.think === "string" ? settings.think : "medium";
      thinkLevel.disabled = !thinkToggle.checked;
      system.value = settings.system ?? "";
      for (const [key, id] of OPTIONS) {
        byId(id).value = settings[key] === undefined ? "" : String(settings[key]);
      }
      describe();
    },
    setModel(model) {
      thinks = model.thinks;
      levels = model.thinks && model.levels;
      thinkRow.hidden = !thinks;
      thinkLevel.hidden = !levels;
      describe();
    },
    requestFields() {
      const options = Object.fromEntries(
        OPTIONS.filter(([key]) => settings[key] !== undefined).map(([key]) => [key, settings[key]]),
      );
      const thinking = think();
      return {
        ...(settings.system && { system: settings.system }),
        ...(thinking !== undefined && { think: thinking }),
        ...(Object.keys(options).length > 0 && { options }),
      };
    },
  };
}
