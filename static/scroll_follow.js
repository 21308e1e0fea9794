/**
 * Following the end of the conversation while an answer grows, the way the reader wants: any
 * upward scroll (keyboard, wheel, touchpad, scrollbar, touch) stops following at once, however
 * small and however fast the tokens come; scrolling back down to the end follows again. A
 * "Jump to latest" button shows whenever the view is not at the end.
 *
 * @module
 */

/** Keys that scroll the view up when it (or something in it) has the focus. */
const UPWARD_KEYS = new Set(["ArrowUp", "PageUp", "Home"]);

/**
 * @typedef {object} Follower
 * @property {(force?: boolean) => void} follow Scrolls to the end if following (or `force`).
 * @property {() => boolean} following
 */

/**
 * Follows the end of `view`; `jump` is the button that brings the reader back to it.
 *
 * @param {HTMLElement} view The scrolling conversation.
 * @param {HTMLButtonElement} jump
 * @returns {Follower}
 */
export function createFollower(view, jump) {
  let following = true;
  // Where the page itself last put the view: only the reader moves it up from there.
  let lastTop = view.scrollTop;
  let lastHeight = view.scrollHeight;

  const atEnd = () => view.scrollHeight - view.scrollTop - view.clientHeight < 2;
  const showJump = () => {
    const hide = atEnd();
    if (jump.hidden !== hide) jump.hidden = hide;
  };
  const stop = () => {
    following = false;
  };

  view.addEventListener("wheel", (event) => {
    if (event.deltaY < 0) stop();
  }, { passive: true });
  view.addEventListener("keydown", (event) => {
    if (UPWARD_KEYS.has(event.key) || (event.key === " " && event.shiftKey)) stop();
  });
  view.addEventListener("scroll", () => {
    const top = view.scrollTop;
    const height = view.scrollHeight;
    if (top < lastTop - 1 && height >= lastHeight) stop();
    else if (top > lastTop + 1 && atEnd()) following = true;
    lastTop = top;
    lastHeight = height;
    showJump();
  }, { passive: true });

  const follow = (force = false) => {
    if (force) following = true;
    if (following) view.scrollTop = view.scrollHeight;
    lastTop = view.scrollTop;
    lastHeight = view.scrollHeight;
    showJump();
  };

  jump.addEventListener("click", () => {
    follow(true);
    view.focus({ preventScroll: true });
  });

  return { follow, following: () => following };
}
