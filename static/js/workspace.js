/* The workspace's few lines of script. Pages work without it; it adds:
 * 1. live countdowns of the clocks (R-NT-3): [data-countdown] elements carry the seconds left (or overdue)
 *    (hours and minutes; seconds only in the last ten minutes: data-fmt-soon, data-soon-under)
 *    at render time; this counts them down by the wall clock. The server re-renders the clock panel every
 *    60 s (htmx), which corrects business-calendar time; data-ticking="0" keeps a clock whose calendar is
 *    closed now (night, lunch, holiday) standing still.
 * 2. fields shown only when they apply: data-show-when="order_type=complaint|channel=visit|is_media=on".
 * 3. Enter in an [data-enter-clicks] input (an urge note inside the intake form) presses the button beside
 *    it instead of submitting the whole intake form.
 * 4. Lookups never submit a form (issue 13 §2): Enter in a [data-lookup] field (the accepted number) fires its
 *    "lookup" event, which loads the customer card at once; in a [data-pick-from] field (the category search)
 *    ↑/↓ move through the results and Enter picks the highlighted one (the first when none is); the results
 *    themselves (the category tree) are one more tab stop that answers the same keys, a closed group opening
 *    when the highlight enters it. Arrows and Enter pressed before the term's results came back apply to them when
 *    they arrive (never to a leaf of the previous term); Enter that ends an input method's composition is left alone.
 *    Ctrl+Enter (⌘+Enter) submits the form from anywhere in a [data-ctrl-enter] form.
 * 5. [data-insert-script="<id>"] buttons put the text of element <id> (a reply script) into the text box last
 *    used on the page, at its cursor (the first text box of the page's main form when none was used yet).
 */
(function () {
  "use strict";

  function pad(n) { return n < 10 ? "0" + n : String(n); }

  function fill(template, seconds) {
    var s = Math.abs(Math.floor(seconds));
    return template
      .replace("{h}", String(Math.floor(s / 3600)))
      .replace("{m}", pad(Math.floor((s % 3600) / 60)))
      .replace("{s}", pad(s % 60));
  }

  function tick() {
    var now = Date.now();
    document.querySelectorAll("[data-countdown]").forEach(function (el) {
      if (!el._t0) { el._t0 = now; }
      var ticking = el.dataset.ticking !== "0";
      var elapsed = ticking ? (now - el._t0) / 1000 : 0;
      var left = parseFloat(el.dataset.countdown) - elapsed; // negative: overdue by -left
      var row = el.closest(".clock");
      if (left > 0) {
        // Calm: hours and minutes; seconds only in the last minutes (data-fmt-soon under data-soon-under s).
        var soon = el.dataset.fmtSoon && left < parseFloat(el.dataset.soonUnder || "0");
        el.textContent = fill(soon ? el.dataset.fmtSoon : el.dataset.fmtRemaining, left);
      } else {
        el.textContent = fill(el.dataset.fmtOverdue, -left);
        if (row) { row.classList.add("clock--overdue"); row.classList.remove("clock--running", "clock--at-risk"); }
      }
    });
  }

  function fieldValue(form, name) {
    var fields = form.querySelectorAll('[name="' + name + '"]');
    for (var i = 0; i < fields.length; i++) {
      var f = fields[i];
      if (f.type === "radio") { if (f.checked) { return f.value; } continue; }
      if (f.type === "checkbox") { return f.checked ? "on" : ""; }
      return f.value;
    }
    return "";
  }

  function applyConditions(root) {
    (root || document).querySelectorAll("form").forEach(function (form) {
      form.querySelectorAll("[data-show-when]").forEach(function (el) {
        var show = el.dataset.showWhen.split("|").some(function (cond) {
          var parts = cond.split("=");
          var wanted = parts[1].split(",");
          return wanted.indexOf(fieldValue(form, parts[0])) !== -1;
        });
        el.hidden = !show;
      });
    });
  }

  document.addEventListener("keydown", function (e) {
    if (e.key !== "Enter" || !e.target.matches || !e.target.matches("[data-enter-clicks]")) { return; }
    e.preventDefault();
    var button = e.target.parentNode.querySelector("button");
    if (button) { button.click(); }
  });

  function pickMove(field, step) {
    var items = Array.prototype.slice.call(document.querySelectorAll(field.dataset.pickFrom));
    if (!items.length) { return null; }
    var at = items.findIndex(function (el) { return el.classList.contains("is-highlighted"); });
    items.forEach(function (el) { el.classList.remove("is-highlighted"); el.removeAttribute("aria-selected"); });
    if (step === 0) { return items[at >= 0 ? at : 0]; }
    var next = items[(at + step + items.length) % items.length];
    if (at < 0 && step < 0) { next = items[items.length - 1]; }
    var group = next.closest("details");
    if (group && !group.open) { group.open = true; }
    next.classList.add("is-highlighted");
    next.setAttribute("aria-selected", "true");
    next.scrollIntoView({ block: "nearest" });
    return next;
  }

  // A search typed faster than its results come back: the list on screen is the previous term's. Arrows and Enter
  // pressed then wait for the term's results and apply to them (never to a stale leaf).
  function pickKey(field, step) {  // step: 1 / -1 move, 0 pick
    if (step === 0) {
      var chosen = pickMove(field, 0);
      if (chosen) { chosen.click(); }
    } else {
      pickMove(field, step);
    }
  }
  function pickLater(field, step) {
    (field._pickPending = field._pickPending || []).push(step);
    clearTimeout(field._pickTimer);
    field._pickTimer = setTimeout(function () { pickFresh(field); }, 2000); // no answer (term unchanged): use the list
  }
  function pickFresh(field) {
    clearTimeout(field._pickTimer);
    delete field.dataset.stale;
    var pending = field._pickPending || [];
    field._pickPending = null;
    pending.forEach(function (step) { pickKey(field, step); });
  }
  document.addEventListener("input", function (e) {
    var t = e.target;
    if (t.matches && t.matches("input[data-pick-from][aria-controls]")) { t.dataset.stale = "1"; }
  });
  document.addEventListener("htmx:afterSettle", function (e) {
    var target = e.detail && e.detail.target;
    if (!target || !target.id) { return; }
    document.querySelectorAll('input[data-pick-from][aria-controls="' + target.id + '"]').forEach(function (field) {
      pickFresh(field);
    });
  });

  document.addEventListener("keydown", function (e) {
    var t = e.target;
    if (!t.matches) { return; }
    // Enter that ends an input method's composition (pinyin → 汉字) belongs to the input method, not to us.
    if (e.isComposing || e.keyCode === 229) { return; }
    var form = t.form || (t.closest && t.closest("form"));  // the category tree is a <div>, not a field
    if (e.key === "Enter" && (e.ctrlKey || e.metaKey) && form && form.matches("[data-ctrl-enter]")) {
      e.preventDefault();
      form.requestSubmit();
      return;
    }
    if (t.matches("[data-lookup]") && e.key === "Enter") {
      e.preventDefault();
      t.dispatchEvent(new Event("lookup", { bubbles: true }));
      return;
    }
    if (t.matches("[data-pick-from]")) {
      var step = { ArrowDown: 1, ArrowUp: -1, Enter: 0 }[e.key];
      if (step !== undefined) {
        e.preventDefault();
        if (t.dataset.stale) { pickLater(t, step); } else { pickKey(t, step); }
      }
    }
  });

  var lastText = null;
  document.addEventListener("focusin", function (e) {
    if (e.target.matches && e.target.matches("textarea")) { lastText = e.target; }
  });
  document.addEventListener("click", function (e) {
    var button = e.target.closest && e.target.closest("[data-insert-script]");
    if (!button) { return; }
    var source = document.getElementById(button.dataset.insertScript);
    var box = lastText && document.body.contains(lastText) ? lastText : document.querySelector("main form textarea");
    if (!source || !box) { return; }
    var text = source.textContent.trim();
    var at = typeof box.selectionStart === "number" ? box.selectionStart : box.value.length;
    var end = typeof box.selectionEnd === "number" ? box.selectionEnd : at;
    box.value = box.value.slice(0, at) + text + box.value.slice(end);
    box.focus();
    box.selectionStart = box.selectionEnd = at + text.length;
    box.dispatchEvent(new Event("input", { bubbles: true }));
  });

  document.addEventListener("change", function (e) {
    if (e.target.form) { applyConditions(e.target.form.parentNode); }
  });
  document.addEventListener("DOMContentLoaded", function () { applyConditions(); tick(); });
  document.addEventListener("htmx:afterSettle", function () { applyConditions(); tick(); });
  setInterval(tick, 1000);
})();
