/**
 * The list of conversations (`#conversation-list`), newest first: open, rename in place, delete
 * with a few seconds to undo (the delete is written at once; Undo writes the conversation back),
 * and search by title and text (`#conversation-search`). The list is one Tab stop: the arrow keys
 * move between conversations.
 *
 * @module
 */

/** @typedef {import("./store.js").ConversationStore} ConversationStore */
/** @typedef {import("./store.js").ConversationMeta} ConversationMeta */

/** How long a deleted conversation can be brought back. */
const UNDO_MS = 6000;

const ITEM = document.createElement("template");
ITEM.innerHTML = '<li class="conversation">' +
  '<button type="button" class="open-conversation"><span class="conversation-title"></span>' +
  "</button>" +
  '<button type="button" class="icon-button rename-conversation" title="Rename">' +
  '<svg aria-hidden="true" viewBox="0 0 24 24"><path d="M4 20h4L19 9l-4-4L4 16v4Z"/></svg>' +
  '<span class="visually-hidden"></span></button>' +
  '<button type="button" class="icon-button delete-conversation" title="Delete">' +
  '<svg aria-hidden="true" viewBox="0 0 24 24"><path d="M5 7h14M10 7V4h4v3M7 7l1 13h8l1-13"/>' +
  '</svg><span class="visually-hidden"></span></button></li>';

/**
 * @typedef {object} ConversationList
 * @property {() => Promise<void>} refresh Reads the list again from the store and shows it.
 * @property {(id: string) => void} setCurrent Marks the open conversation.
 * @property {() => ConversationMeta[]} shown The conversations listed (whatever the search).
 */

/**
 * Wires the list to `store`.
 *
 * @param {{ store: ConversationStore, onOpen: (id: string) => void,
 *   onHidden: (id: string) => void, onRestored: (id: string) => void }} handlers `onHidden`: a
 *   conversation was deleted (Undo may still bring it back); `onRestored`: it was.
 * @returns {ConversationList}
 */
export function createConversationList({ store, onOpen, onHidden, onRestored }) {
  const list = /** @type {HTMLUListElement} */ (document.getElementById("conversation-list"));
  const search = /** @type {HTMLInputElement} */ (document.getElementById("conversation-search"));
  const empty = /** @type {HTMLElement} */ (document.getElementById("no-conversations"));
  const toast = /** @type {HTMLElement} */ (document.getElementById("undo-toast"));
  const toastText = /** @type {HTMLElement} */ (toast.querySelector(".toast-text"));
  const undo = /** @type {HTMLButtonElement} */ (toast.querySelector(".undo-delete"));

  /** @type {ConversationMeta[]} */
  let metas = [];
  let current = "";
  let rover = "";
  let query = "";
  let searchRound = 0;
  /** The conversation deleted last, while it can still be brought back. */
  /** @type {{ conversation: import("./store.js").Conversation, timer: number } | null} */
  let pending = null;

  const visible = () => metas;

  const render = async () => {
    let shown = visible();
    if (query !== "") {
      const round = ++searchRound;
      const texts = await store.searchTexts();
      if (round !== searchRound) return;
      shown = shown.filter((meta) =>
        meta.title.toLowerCase().includes(query) || (texts.get(meta.id) ?? "").includes(query)
      );
    }
    if (!shown.some((meta) => meta.id === rover)) {
      rover = shown.some((meta) => meta.id === current) ? current : shown[0]?.id ?? "";
    }
    const items = document.createDocumentFragment();
    for (const meta of shown) {
      const item = /** @type {HTMLLIElement} */ (ITEM.content.firstChild.cloneNode(true));
      item.dataset.id = meta.id;
      const title = meta.title || "New chat";
      item.querySelector(".conversation-title").textContent = title;
      const [, rename, remove] = item.children;
      rename.lastChild.textContent = `Rename “${title}”`;
      remove.lastChild.textContent = `Delete “${title}”`;
      if (meta.id === current) item.setAttribute("aria-current", "page");
      if (meta.id !== rover) {
        for (const button of item.children) button.setAttribute("tabindex", "-1");
      }
      items.append(item);
    }
    list.replaceChildren(items);
    empty.hidden = shown.length > 0;
    empty.textContent = query === "" ? "No conversations yet." : "No conversation matches.";
  };

  /** @param {Element | null} item */
  const focusItem = (item) => {
    if (!(item instanceof HTMLLIElement)) return false;
    rover = item.dataset.id ?? "";
    for (const button of list.querySelectorAll("button")) {
      button.setAttribute("tabindex", button.closest("li") === item ? "0" : "-1");
    }
    /** @type {HTMLElement} */ (item.querySelector(".open-conversation")).focus();
    return true;
  };

  /** @param {HTMLLIElement} item */
  const rename = (item) => {
    const id = item.dataset.id ?? "";
    const meta = metas.find((meta) => meta.id === id);
    const open = /** @type {HTMLElement} */ (item.querySelector(".open-conversation"));
    if (!meta) return;
    const input = document.createElement("input");
    input.className = "rename-input";
    input.value = meta.title;
    input.setAttribute("aria-label", "Conversation title");
    open.hidden = true;
    item.prepend(input);
    input.focus();
    input.select();
    let done = false;
    const finish = async (/** @type {boolean} */ keep) => {
      if (done) return;
      done = true;
      const title = input.value.replace(/\s+/g, " ").trim();
      input.remove();
      open.hidden = false;
      open.focus();
      if (keep && title !== "" && title !== meta.title) {
        meta.title = title;
        open.firstChild.textContent = title;
        await store.rename(id, title);
        await render();
        focusItem(list.querySelector(`[data-id="${CSS.escape(id)}"]`));
      }
    };
    input.addEventListener("keydown", (event) => {
      // Handled here: the focus moves to the item's button, which must not take the key too.
      if (event.key === "Enter" || event.key === "Escape") {
        event.preventDefault();
        event.stopPropagation();
        finish(event.key === "Enter");
      }
    });
    input.addEventListener("blur", () => finish(true));
  };

  const endUndo = () => {
    if (!pending) return;
    clearTimeout(pending.timer);
    pending = null;
    toast.hidden = true;
  };

  /** Deletes at once (so a closed tab cannot bring it back); Undo stores it again. */
  const remove = async (/** @type {HTMLLIElement} */ item) => {
    endUndo();
    const id = item.dataset.id ?? "";
    const whole = await store.get(id);
    if (!whole) return;
    const next = item.nextElementSibling ?? item.previousElementSibling;
    await store.remove(id);
    metas = metas.filter((meta) => meta.id !== id);
    pending = { conversation: whole, timer: setTimeout(endUndo, UNDO_MS) };
    toastText.textContent = `Deleted “${whole.title || "New chat"}”.`;
    toast.hidden = false;
    onHidden(id);
    await render();
    const nextId = /** @type {HTMLElement | null} */ (next)?.dataset.id;
    if (!focusItem(nextId ? list.querySelector(`[data-id="${CSS.escape(nextId)}"]`) : null)) {
      undo.focus();
    }
  };

  undo.addEventListener("click", async () => {
    if (!pending) return;
    const { conversation } = pending;
    endUndo();
    await store.save(conversation);
    metas = await store.list();
    await render();
    onRestored(conversation.id);
    if (!focusItem(list.querySelector(`[data-id="${CSS.escape(conversation.id)}"]`))) {
      document.getElementById("message-input")?.focus();
    }
  });

  list.addEventListener("click", (event) => {
    const button = /** @type {Element} */ (event.target).closest("button");
    const item = button?.closest("li");
    if (!button || !item) return;
    if (button.classList.contains("open-conversation")) {
      rover = item.dataset.id ?? "";
      onOpen(rover);
    } else if (button.classList.contains("rename-conversation")) rename(item);
    else if (button.classList.contains("delete-conversation")) remove(item);
  });

  list.addEventListener("keydown", (event) => {
    const item = /** @type {Element} */ (event.target).closest("li");
    if (!item || /** @type {Element} */ (event.target).matches("input")) return;
    const moves = {
      ArrowDown: item.nextElementSibling,
      ArrowUp: item.previousElementSibling,
      Home: list.firstElementChild,
      End: list.lastElementChild,
    };
    if (event.key in moves && focusItem(moves[/** @type {keyof moves} */ (event.key)])) {
      event.preventDefault();
    }
  });

  search.addEventListener("input", () => {
    query = search.value.trim().toLowerCase();
    render();
  });

  return {
    async refresh() {
      metas = await store.list();
      await render();
    },
    setCurrent(id) {
      current = id;
      const listed = [...list.children].some((item) =>
        /** @type {HTMLElement} */ (item).dataset.id === id
      );
      rover = listed
        ? id
        : /** @type {HTMLElement | null} */ (list.firstElementChild)?.dataset.id ?? "";
      for (const item of list.children) {
        const itemId = /** @type {HTMLElement} */ (item).dataset.id;
        if (itemId === id) item.setAttribute("aria-current", "page");
        else item.removeAttribute("aria-current");
        for (const button of item.children) {
          button.setAttribute("tabindex", itemId === rover ? "0" : "-1");
        }
      }
    },
    shown: visible,
  };
}
