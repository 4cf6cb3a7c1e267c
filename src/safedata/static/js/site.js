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

  // A new document on the review page takes keys and clicks only once it has been on screen
  // this long, so a key pressed twice in a row (or a double click) never rates a document
  // nobody has seen. The server refuses what arrives sooner than its own, shorter minimum
  // (MIN_VIEW_MS in voting/views.py).
  var SETTLE_MS = 300;
  var REVIEW_KEYS = { "1": "1", "2": "2", "3": "3", s: "s", r: "r", u: "u", backspace: "u" };

  function reviewStage() {
    return document.querySelector("[data-review-stage]");
  }

  function isReady(stage) {
    return stage.getAttribute("data-ready") === "true";
  }

  // Two animation frames: the first runs before the new stage is painted, the second after.
  function readyAfterShown(stage) {
    stage.removeAttribute("data-ready");
    window.requestAnimationFrame(function () {
      window.requestAnimationFrame(function () {
        window.setTimeout(function () {
          if (stage.isConnected) stage.setAttribute("data-ready", "true");
        }, SETTLE_MS);
      });
    });
  }

  function openDialog(id) {
    var dialog = document.getElementById(id);
    if (dialog && !dialog.open && dialog.showModal) dialog.showModal();
  }

  // Review page: 1, 2, 3 rate, s skips, u or Backspace undo and r reports, by clicking the
  // matching button or link, so that keyboard and pointer take exactly the same path (htmx
  // request, CSRF header, disabling, the guard above); ? lists every shortcut.
  function onKeydown(event) {
    if (event.defaultPrevented || event.repeat) return;
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    if (isTyping(event.target) || document.querySelector("dialog[open]")) return;
    var stage = reviewStage();
    if (!stage) return;
    if (event.key === "?") {
      event.preventDefault();
      openDialog("shortcuts");
      return;
    }
    var key = REVIEW_KEYS[event.key.toLowerCase()];
    if (!key) return;
    var button = stage.querySelector('[data-key="' + key + '"]');
    if (!button) return;
    event.preventDefault();
    if (button.disabled || !isReady(stage)) return;
    // A key can arrive while htmx is still swapping in this stage, before it has wired the
    // new buttons; without this the click would fall back to a plain form post.
    if (window.htmx) window.htmx.process(stage);
    button.click();
  }

  // The same guard for the pointer: a click on a stage that is loading or has only just
  // appeared is dropped before htmx (or the form) sees it.
  function onClickCapture(event) {
    var stage = reviewStage();
    var control = event.target.closest && event.target.closest("[data-review-stage] button, [data-review-stage] a[data-key]");
    if (stage && control && stage.contains(control) && !isReady(stage)) {
      event.preventDefault();
      event.stopPropagation();
    }
  }

  function onDialogOpener(event) {
    var opener = event.target.closest && event.target.closest("[data-dialog-open]");
    if (opener) openDialog(opener.getAttribute("data-dialog-open"));
  }

  function onBeforeRequest(event) {
    var stage = reviewStage();
    if (stage && event.detail.target === stage) stage.removeAttribute("data-ready");
  }

  // Nothing was swapped in (a server error, no network): the document on screen stays, and
  // so does its readiness.
  function onAfterRequest(event) {
    var stage = reviewStage();
    if (stage && event.detail.target === stage && stage.isConnected) stage.setAttribute("data-ready", "true");
  }

  function setUpReview() {
    var stage = reviewStage();
    if (!stage) return;
    stage.setAttribute("data-ready", "true");
    // The text has the focus, so PageDown and the arrow keys scroll it straight away.
    var text = stage.querySelector(".review-text");
    if (text && document.activeElement === document.body) text.focus({ preventScroll: true });
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
    readyAfterShown(stage);
    var focusable = stage.querySelector(".review-text") || stage.querySelector("button, a");
    if (focusable) focusable.focus({ preventScroll: true });
  }

  setUpThemeToggle();
  setUpReview();
  document.addEventListener("keydown", onKeydown);
  document.addEventListener("click", onClickCapture, true);
  document.addEventListener("click", onDialogOpener);
  document.body.addEventListener("htmx:beforeRequest", onBeforeRequest);
  document.body.addEventListener("htmx:afterRequest", onAfterRequest);
  document.body.addEventListener("htmx:beforeSwap", onBeforeSwap);
  document.body.addEventListener("htmx:responseError", onRequestFailed);
  document.body.addEventListener("htmx:sendError", onRequestFailed);
  document.body.addEventListener("htmx:afterSettle", onAfterSettle);
})();
