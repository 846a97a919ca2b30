// The review queue: keyboard work through the cards. The server renders and escapes every
// card; an action answers with the one card it changed (and the counters, out of band).
// The speaker autocomplete is review.js's.
(function () {
  "use strict";

  const state = { quote: null, decided: [] };

  function cards() {
    return Array.from(document.querySelectorAll(".qc[data-quote]"));
  }

  function card(id) {
    return id ? document.getElementById("qc-" + id) : null;
  }

  function select(id, focus) {
    document.querySelectorAll(".qc.is-current").forEach(function (el) {
      el.classList.remove("is-current");
    });
    state.quote = id ? String(id) : null;
    const item = card(id);
    if (!item) return;
    item.classList.add("is-current");
    if (focus !== false) item.focus({ preventScroll: true });
    const box = item.getBoundingClientRect();
    if (box.top < 0 || box.bottom > window.innerHeight) item.scrollIntoView({ block: "center" });
  }

  function move(step) {
    const items = cards();
    if (!items.length) return;
    let index = items.findIndex(function (item) {
      return item.dataset.quote === state.quote;
    });
    index = index === -1 ? 0 : Math.min(items.length - 1, Math.max(0, index + step));
    select(items[index].dataset.quote);
  }

  // After a decision: the next card nobody has decided yet, below this one (else above).
  function next(fromId) {
    const items = cards();
    const index = items.findIndex(function (item) {
      return item.dataset.quote === String(fromId);
    });
    const later = items.slice(index + 1).concat(items.slice(0, Math.max(index, 0)));
    const open = later.find(function (item) {
      return item.classList.contains("qc--unreviewed");
    });
    if (open) select(open.dataset.quote);
    else select(fromId);
  }

  function toggleEditor(item, open, focusSelector) {
    const editor = item.querySelector(".qc__editor");
    const toggle = item.querySelector('[data-qkey="e"]');
    if (!editor) return;
    editor.hidden = open === undefined ? !editor.hidden : !open;
    if (toggle) toggle.setAttribute("aria-expanded", String(!editor.hidden));
    if (!editor.hidden) {
      const target = editor.querySelector(focusSelector || "select, input:not([type=hidden])");
      if (target) target.focus();
    } else {
      item.focus({ preventScroll: true });
    }
  }

  // Boundaries: a selection in the card's paragraph, or ] [ } { from the keyboard.
  function bounds(item) {
    const form = item.querySelector(".qc__bounds");
    return form && {
      form: form,
      start: form.querySelector('[data-bound="start"]'),
      end: form.querySelector('[data-bound="end"]'),
      paragraph: item.querySelector("[data-paragraph]"),
    };
  }

  function readSelection(item) {
    const b = bounds(item);
    const selection = window.getSelection();
    if (!b || !b.paragraph || selection.isCollapsed || !selection.rangeCount) return;
    const range = selection.getRangeAt(0);
    if (!b.paragraph.contains(range.commonAncestorContainer)) return;
    const offset = function (node, at) {
      const holder = (node.nodeType === Node.TEXT_NODE ? node.parentElement : node).closest("[data-s]");
      return holder ? Number(holder.dataset.s) + (node.nodeType === Node.TEXT_NODE ? at : 0) : null;
    };
    const start = offset(range.startContainer, range.startOffset);
    const end = offset(range.endContainer, range.endOffset);
    if (start === null || end === null || end <= start) return;
    b.start.value = start;
    b.end.value = end;
    toggleEditor(item, true, "[data-testid=save-bounds]");
  }

  document.addEventListener("mouseup", function (event) {
    const item = event.target.closest && event.target.closest(".qc[data-quote]");
    if (item && event.target.closest("[data-paragraph]")) setTimeout(function () { readSelection(item); }, 0);
  });

  document.addEventListener("click", function (event) {
    const toggle = event.target.closest('[data-qkey="e"]');
    if (toggle) {
      const item = toggle.closest(".qc");
      select(item.dataset.quote, false);
      toggleEditor(item);
      return;
    }
    const item = event.target.closest(".qc[data-quote]");
    if (item && !event.target.closest("button, a, input, select, form, label")) select(item.dataset.quote, false);
  });

  document.addEventListener("keydown", function (event) {
    if (!document.getElementById("queue-list")) return;
    if (event.metaKey || event.ctrlKey || event.altKey) return;
    const target = event.target;
    const item = card(state.quote);
    if (target.closest && target.closest("input, textarea, select")) {
      if (event.key === "Escape" && item) {
        event.preventDefault();
        toggleEditor(item, false);
      }
      return;
    }
    if (target.closest && target.closest(".qc__bounds") && item && window.TextCursor && "[]{}".includes(event.key)) {
      const b = bounds(item);
      const moved = window.TextCursor.step(b.paragraph, { start: Number(b.start.value), end: Number(b.end.value) }, event.key);
      if (moved) {
        event.preventDefault();
        b.start.value = moved.start;
        b.end.value = moved.end;
        window.TextCursor.show(b.paragraph, moved.start, moved.end);
      }
      return;
    }
    switch (event.key) {
      case "j":
        move(1);
        break;
      case "k":
        move(-1);
        break;
      case "a":
      case "x": {
        const button = item && item.querySelector('[data-qkey="' + event.key + '"]');
        if (button && !button.disabled) button.click();
        break;
      }
      case "s":
        if (item) toggleEditor(item, true, '[data-qkey="s"]');
        break;
      case "e":
        if (item) toggleEditor(item);
        break;
      case "u": {
        // Undo the latest decision still showing its Undo.
        for (let i = state.decided.length - 1; i >= 0; i--) {
          const undo = document.querySelector("#qc-" + state.decided[i] + " [data-undo]");
          if (undo) {
            state.decided.splice(i, 1);
            select(undo.closest(".qc").dataset.quote);
            undo.requestSubmit();
            break;
          }
        }
        break;
      }
      case "Enter": {
        if (!item || target !== item) return;
        const link = item.querySelector("[data-open]");
        if (link) window.location.href = link.href;
        break;
      }
      case "Escape":
        if (item) toggleEditor(item, false);
        break;
      case "?": {
        const keys = document.querySelector(".queue-keys");
        if (keys) keys.scrollIntoView({ block: "center" });
        break;
      }
      default:
        return;
    }
    event.preventDefault();
  });

  // An answer that says queueChanged is the card to show, whatever its status (a refused
  // undo answers 409 with the card and its message).
  document.addEventListener("htmx:beforeSwap", function (event) {
    const trigger = event.detail.xhr.getResponseHeader("HX-Trigger") || "";
    if (trigger.includes("queueChanged")) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });

  document.addEventListener("queueChanged", function (event) {
    const detail = event.detail || {};
    // The swap has not settled yet when the event fires: move once it has.
    setTimeout(function () {
      if (detail.decided) {
        if (!state.decided.includes(String(detail.quote))) state.decided.push(String(detail.quote));
        next(detail.quote);
      } else {
        select(detail.quote);
      }
    }, 0);
  });

  document.addEventListener("DOMContentLoaded", function () {
    const first = cards()[0];
    if (first) select(first.dataset.quote, false);
  });
})();
