/* "/" focuses the top bar's search box (issue 13 §1), as in Gmail, GitHub and Zendesk — unless the user is
 * typing in a field already. Escape leaves the box. No inline script (CSP): loaded from the box's partial. */
(function () {
  "use strict";

  function typing(el) {
    if (!el) { return false; }
    var tag = el.tagName;
    return tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT" || el.isContentEditable;
  }

  document.addEventListener("keydown", function (e) {
    var box = document.querySelector("[data-search-box]");
    if (!box) { return; }
    if (e.key === "/" && !e.ctrlKey && !e.metaKey && !e.altKey && !typing(e.target)) {
      e.preventDefault();
      box.focus();
      box.select();
    } else if (e.key === "Escape" && e.target === box) {
      box.blur();
    }
  });
})();
