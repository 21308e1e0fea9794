/**
 * Keyboard shortcuts, the ones ChatGPT and Open WebUI users already know, and the `#shortcuts`
 * help that lists them (opened with `?`, Ctrl+/ or its button). Ctrl also means ⌘ on a Mac.
 *
 * @module
 */

/**
 * @typedef {object} ShortcutActions
 * @property {() => void} newChat
 * @property {() => void} focusInput
 * @property {() => boolean} stop Stops the answer; false when none is streaming.
 * @property {() => void} toggleSidebar
 * @property {() => void} copyLastAnswer
 */

/** @param {EventTarget | null} target */
const isEditable = (target) =>
  target instanceof HTMLElement &&
  (target.isContentEditable || target.matches("input, textarea, select"));

/**
 * Listens for the shortcuts on the whole page.
 *
 * @param {ShortcutActions} actions
 */
export function wireShortcuts(actions) {
  const help = /** @type {HTMLDialogElement} */ (document.getElementById("shortcuts"));
  const openHelp = () => {
    if (!help.open) help.showModal();
  };
  document.getElementById("shortcuts-button")?.addEventListener("click", openHelp);
  help.querySelector(".close-shortcuts")?.addEventListener("click", () => help.close());

  document.addEventListener("keydown", (event) => {
    if (event.defaultPrevented || event.isComposing) return;
    const command = event.ctrlKey || event.metaKey;
    let handled = true;
    if (command && event.shiftKey && event.code === "KeyO") actions.newChat();
    else if (command && event.shiftKey && event.code === "KeyS") actions.toggleSidebar();
    else if (command && event.shiftKey && event.code === "KeyC") actions.copyLastAnswer();
    else if (command && event.code === "Slash") openHelp();
    else if (event.key === "Escape" && event.shiftKey) actions.focusInput();
    else if (event.key === "Escape" && !help.open) handled = actions.stop();
    else if (event.key === "?" && !command && !isEditable(event.target)) openHelp();
    else handled = false;
    if (handled) event.preventDefault();
  });
}
