// Site behaviour: the theme toggle, review keyboard shortcuts, htmx error swaps.
(function () {
  "use strict";

  var THEME_KEY = "safedata-theme";
  var root = document.documentElement;

  function effectiveTheme() {
    var chosen = root.dataset.theme;
    if (chosen === "light" || chosen === "dark") return chosen;
    return window.matchMedia("(prefers-color-scheme: dark)").matches ? "dark" : "light";
  }

  function labelToggle(button) {
    var next = effectiveTheme() === "dark" ? "light" : "dark";
    button.setAttribute("aria-label", "Switch to " + next + " theme");
    button.setAttribute("title", "Switch to " + next + " theme");
  }

  function setUpThemeToggle() {
    document.querySelectorAll("[data-theme-toggle]").forEach(function (button) {
      labelToggle(button);
      button.addEventListener("click", function () {
        var next = effectiveTheme() === "dark" ? "light" : "dark";
        root.dataset.theme = next;
        try {
          localStorage.setItem(THEME_KEY, next);
        } catch (e) {
          // Private browsing may refuse storage; the choice then lasts for this page only.
        }
        labelToggle(button);
      });
    });
  }

  function isTyping(target) {
    if (!target || !target.closest) return false;
    return Boolean(target.closest("input, textarea, select, [contenteditable]:not([contenteditable='false'])"));
  }

  // Review page: 1, 2, 3 rate and s skips, by clicking the matching button, so that
  // keyboard and pointer take exactly the same path (htmx request, CSRF header, disabling).
  function onKeydown(event) {
    if (event.defaultPrevented || event.repeat) return;
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    if (isTyping(event.target)) return;
    var stage = document.querySelector("[data-review-stage]");
    if (!stage) return;
    var key = event.key.toLowerCase();
    if (["1", "2", "3", "s"].indexOf(key) === -1) return;
    var button = stage.querySelector('button[data-key="' + key + '"]');
    if (!button || button.disabled) return;
    event.preventDefault();
    // A key can arrive while htmx is still swapping in this stage, before it has wired the
    // new buttons; without this the click would fall back to a plain form post.
    if (window.htmx) window.htmx.process(stage);
    button.click();
  }

  // htmx does not swap 4xx answers by default; regions marked data-swap-errors carry their
  // own friendly message in such answers (rate limited, own document, gone), so show it.
  function onBeforeSwap(event) {
    var xhr = event.detail.xhr;
    var target = event.detail.target;
    if (xhr.status < 400 || xhr.status >= 500 || !target || !target.hasAttribute("data-swap-errors")) return;
    // Only our own fragments: a CSRF failure page must not land inside the region.
    if (xhr.responseText.indexOf("data-swap-errors") === -1) return;
    event.detail.shouldSwap = true;
    event.detail.isError = false;
  }

  // Anything else that fails (a stale CSRF token, a server error, no network) still gets a
  // visible message instead of a button that silently does nothing.
  function onRequestFailed(event) {
    var target = event.detail.target;
    if (!target || !target.hasAttribute || !target.hasAttribute("data-swap-errors")) return;
    var slot = target.querySelector("[data-error-slot]");
    if (!slot) return;
    var status = event.detail.xhr && event.detail.xhr.status;
    var message = document.createElement("p");
    message.className = "notice notice-error";
    message.setAttribute("role", "alert");
    message.textContent = status
      ? "That did not work (error " + status + "). Reload the page and try again."
      : "The server could not be reached. Check your connection and try again.";
    slot.replaceChildren(message);
  }

  // After the next document arrives, keep keyboard focus inside the stage (the button
  // that had it is gone) without scrolling the page.
  function onAfterSettle(event) {
    var stage = document.querySelector("[data-review-stage]");
    var target = event.detail.target;
    if (!stage || !target || (target.isConnected && target !== stage)) return;
    var focusable = stage.querySelector(".review-text") || stage.querySelector("button, a");
    if (focusable) focusable.focus({ preventScroll: true });
  }

  setUpThemeToggle();
  document.addEventListener("keydown", onKeydown);
  document.body.addEventListener("htmx:beforeSwap", onBeforeSwap);
  document.body.addEventListener("htmx:responseError", onRequestFailed);
  document.body.addEventListener("htmx:sendError", onRequestFailed);
  document.body.addEventListener("htmx:afterSettle", onAfterSettle);
})();
