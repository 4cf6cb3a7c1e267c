// Moderation pages: keyboard actions on a case (a, h, d, n) and in the queue (j, k, x, o,
// A, H, D). Keys click the same buttons and links a pointer would, so both take one path.
(function () {
  "use strict";

  function isTyping(target) {
    return Boolean(target && target.closest && target.closest("input, textarea, select"));
  }

  function activate(element) {
    var confirmText = element.getAttribute("data-confirm");
    if (confirmText && !window.confirm(confirmText)) return;
    element.setAttribute("data-confirmed", "");
    element.click();
  }

  // A remove button asks first, also when clicked with a pointer.
  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("[data-confirm]");
    if (!button) return;
    if (button.hasAttribute("data-confirmed")) {
      button.removeAttribute("data-confirmed");
      return;
    }
    if (!window.confirm(button.getAttribute("data-confirm"))) event.preventDefault();
  });

  var current = -1;

  function rows() {
    return Array.prototype.slice.call(document.querySelectorAll("tr[data-case]"));
  }

  function move(step) {
    var all = rows();
    if (!all.length) return;
    if (current >= 0 && all[current]) all[current].classList.remove("is-current");
    current = Math.max(0, Math.min(all.length - 1, current + step));
    all[current].classList.add("is-current");
    all[current].focus();
  }

  function onQueueKey(key) {
    var all = rows();
    var row = all[current];
    if (key === "j") return move(1), true;
    if (key === "k") return move(-1), true;
    if (key === "x" && row) {
      var box = row.querySelector("input[type=checkbox]");
      box.checked = !box.checked;
      return true;
    }
    if (key === "o" && row) return row.querySelector("[data-case-link]").click(), true;
    var bulk = { A: "approve", H: "hide", D: "remove" }[key];
    if (!bulk) return false;
    var button = document.querySelector('[data-bulk-action="' + bulk + '"]');
    if (button) activate(button);
    return true;
  }

  document.addEventListener("keydown", function (event) {
    if (event.defaultPrevented || event.repeat || event.ctrlKey || event.metaKey || event.altKey) return;
    if (isTyping(event.target)) return;
    if (document.querySelector("[data-moderation-queue]")) {
      if (onQueueKey(event.key)) event.preventDefault();
      return;
    }
    var target = document.querySelector('[data-mod-key="' + event.key + '"]');
    if (!target) return;
    event.preventDefault();
    activate(target);
  });
})();
