// The review screen: keyboard shortcuts, quote <-> text navigation, selection -> offsets,
// tabs and the entity autocomplete. The server renders everything (escaped); this only wires it.
(function () {
  "use strict";

  // A refused edit (409) or an invalid one (422) still shows the server's answer.
  if (window.htmx) {
    htmx.config.responseHandling = [
      { code: "204", swap: false },
      { code: "[23]..", swap: true },
      { code: "409", swap: true, error: false },
      { code: "422", swap: true, error: false },
      { code: "[45]..", swap: false, error: true },
    ];
    // A refused undo (400, 403, 404, 409) answers with the review area and its message:
    // whatever the status, an answer that says reviewChanged is the review area to show.
    document.addEventListener("htmx:beforeSwap", function (event) {
      const trigger = event.detail.xhr.getResponseHeader("HX-Trigger") || "";
      if (!event.detail.shouldSwap && trigger.includes("reviewChanged")) {
        event.detail.shouldSwap = true;
        event.detail.isError = false;
      }
    });
  }

  const state = { quote: null, mention: null, tab: "quotes", selection: null, cursor: null };

  function review() {
    return document.getElementById("review");
  }

  function quoteItems() {
    return Array.from(document.querySelectorAll(".qi[data-quote]"));
  }

  function marksFor(id) {
    return document.querySelectorAll('#article-text mark[data-quote="' + id + '"]');
  }

  function setTab(name) {
    state.tab = name;
    document.querySelectorAll("[data-tab]").forEach(function (tab) {
      tab.setAttribute("aria-selected", String(tab.dataset.tab === name));
    });
    document.querySelectorAll("[data-panel]").forEach(function (panel) {
      panel.hidden = panel.dataset.panel !== name;
    });
  }

  function scrollIntoViewIfNeeded(element) {
    if (!element) return;
    const box = element.getBoundingClientRect();
    const panel = element.closest(".review__panel");
    const limit = panel && getComputedStyle(panel).position === "sticky" ? panel.getBoundingClientRect() : { top: 0, bottom: window.innerHeight };
    if (box.top < limit.top || box.bottom > limit.bottom) {
      element.scrollIntoView({ block: "center", behavior: "smooth" });
    }
  }

  function selectQuote(id, options) {
    options = options || {};
    document.querySelectorAll(".is-current").forEach(function (el) {
      el.classList.remove("is-current");
    });
    state.quote = id ? String(id) : null;
    if (!id) return;
    const item = document.getElementById("qi-" + id);
    if (item) item.classList.add("is-current");
    marksFor(id).forEach(function (mark) {
      mark.classList.add("is-current");
    });
    updateSelectionButtons();
    if (options.tab !== false) setTab("quotes");
    if (options.scrollText) scrollIntoViewIfNeeded(document.getElementById("q-" + id));
    if (options.scrollList && item) scrollIntoViewIfNeeded(item);
    if (item && options.focus !== false) item.focus({ preventScroll: true });
  }

  function selectMention(id) {
    document.querySelectorAll(".mi.is-current, .ent.is-current").forEach(function (el) {
      el.classList.remove("is-current");
    });
    state.mention = id ? String(id) : null;
    if (!id) return;
    const row = document.getElementById("mi-" + id);
    document.querySelectorAll('#article-text [data-mention="' + id + '"]').forEach(function (el) {
      el.classList.add("is-current");
    });
    updateSelectionButtons();
    if (!row) return;
    row.classList.add("is-current");
    showMentionTools(row);
    setTab("entities");
    const details = row.closest("details");
    if (details) details.open = true;
    scrollIntoViewIfNeeded(row);
  }

  function showMentionTools(row) {
    const tools = document.getElementById("mention-tools");
    if (!tools) return;
    const removed = row.classList.contains("mi--rejected");
    tools.hidden = removed;
    if (removed) return;
    tools.querySelector('[data-mt="text"]').textContent = row.dataset.text;
    tools.querySelector('[data-mt="entity"]').textContent = row.dataset.entityName;
    tools.querySelector('[data-mt="label"]').value = row.dataset.label;
    tools.querySelectorAll('[data-mt="version"]').forEach(function (input) {
      input.value = row.dataset.version;
    });
    tools.querySelectorAll("[data-mt-form]").forEach(function (form) {
      const url = form.dataset.mtForm === "remove" ? row.dataset.remove : row.dataset.edit;
      form.setAttribute("action", url);
      form.setAttribute("hx-post", url);
    });
    const box = tools.querySelector(".ac");
    box.dataset.ac = box.dataset.acBase + "&exclude=" + row.dataset.exclude;
    if (window.htmx) htmx.process(tools);
  }

  function move(step) {
    const items = quoteItems();
    if (!items.length) return;
    let index = items.findIndex(function (item) {
      return item.dataset.quote === state.quote;
    });
    index = index === -1 ? (step > 0 ? 0 : items.length - 1) : Math.min(items.length - 1, Math.max(0, index + step));
    selectQuote(items[index].dataset.quote, { scrollText: true, scrollList: true });
  }

  function current() {
    return state.quote ? document.getElementById("qi-" + state.quote) : null;
  }

  function openEditor(item, focusSelector) {
    if (!item) return;
    const editor = item.querySelector(".qi__editor");
    const toggle = item.querySelector('[data-key="e"]');
    if (!editor) return;
    editor.hidden = false;
    if (toggle) toggle.setAttribute("aria-expanded", "true");
    const target = editor.querySelector(focusSelector || "select, input:not([type=hidden])");
    if (target) target.focus();
  }

  // Selection -> offsets in the article body --------------------------------------------------

  function pointOffset(node, offset) {
    const holder = (node.nodeType === Node.TEXT_NODE ? node.parentElement : node).closest("[data-s]");
    if (holder && node.nodeType === Node.TEXT_NODE) return Number(holder.dataset.s) + offset;
    const spans = document.querySelectorAll("#article-text [data-s]");
    const range = document.createRange();
    for (const span of spans) {
      range.selectNodeContents(span);
      const where = range.comparePoint(node, offset);
      if (where < 0) return Number(span.dataset.s);
      if (where === 0) return Number(span.dataset.s) + (span.contains(node) && node.nodeType === Node.TEXT_NODE ? offset : 0);
    }
    const last = spans[spans.length - 1];
    return last ? Number(last.dataset.s) + last.textContent.length : 0;
  }

  function readSelection() {
    const text = document.getElementById("article-text");
    const selection = window.getSelection();
    if (!text || !selection || selection.isCollapsed || !selection.rangeCount) return null;
    const range = selection.getRangeAt(0);
    if (!text.contains(range.commonAncestorContainer)) return null;
    const start = pointOffset(range.startContainer, range.startOffset);
    const end = pointOffset(range.endContainer, range.endOffset);
    if (end <= start) return null;
    return { start: start, end: end, text: selection.toString().trim() };
  }

  function updateSelectionButtons() {
    const bar = document.getElementById("selection-bar");
    if (!bar) return;
    const quoteButton = bar.querySelector("[data-sel-quote]");
    const mentionButton = bar.querySelector("[data-sel-mention]");
    const quote = current();
    const mention = state.mention ? document.getElementById("mi-" + state.mention) : null;
    quoteButton.hidden = !quote;
    if (quote) {
      const form = quote.querySelector('form[hx-post*="/edit/"]');
      quoteButton.setAttribute("hx-post", form.getAttribute("hx-post"));
      quoteButton.setAttribute("formaction", form.getAttribute("action"));
      quoteButton.setAttribute("hx-vals", JSON.stringify({ version: form.querySelector("[name=version]").value }));
    }
    mentionButton.hidden = !mention;
    if (mention) {
      mentionButton.setAttribute("hx-post", mention.dataset.edit);
      mentionButton.setAttribute("formaction", mention.dataset.edit);
      mentionButton.setAttribute("hx-vals", JSON.stringify({ version: mention.dataset.version }));
    }
    if (window.htmx) htmx.process(bar);
  }

  function showSelection(found) {
    const bar = document.getElementById("selection-bar");
    if (!bar) return;
    state.selection = found;
    if (!found) {
      bar.hidden = true;
      return;
    }
    bar.querySelector('[data-sel="start"]').value = found.start;
    bar.querySelector('[data-sel="end"]').value = found.end;
    bar.querySelector('[data-sel="text"]').textContent = found.text.length > 140 ? found.text.slice(0, 140) + "…" : found.text;
    updateSelectionButtons();
    bar.hidden = false;
  }

  // Autocomplete ----------------------------------------------------------------------------

  let searchTimer = null;
  let searchCount = 0;

  function search(input) {
    const box = input.closest(".ac");
    const list = box.querySelector(".ac__list");
    const url = box.dataset.ac + (box.dataset.ac.includes("?") ? "&" : "?") + "q=" + encodeURIComponent(input.value);
    clearTimeout(searchTimer);
    const mine = ++searchCount;
    searchTimer = setTimeout(function () {
      fetch(url, { headers: { "HX-Request": "true" }, credentials: "same-origin" })
        .then(function (response) {
          return response.ok ? response.text() : "";
        })
        .then(function (html) {
          // An answer to an older search can arrive after a newer one's: keep the newest.
          if (mine !== searchCount) return;
          // Server-rendered and escaped by Django's templates.
          list.innerHTML = html;
          list.classList.toggle("ac__list--open", Boolean(html.trim()));
        });
    }, 120);
  }

  function pick(option) {
    const form = option.closest("form");
    form.querySelector("[name=entity]").value = option.dataset.pick || "";
    form.querySelector("[name=new_name]").value = option.dataset.new || "";
    const list = option.closest(".ac__list");
    list.classList.remove("ac__list--open");
    if (form.id === "selection-bar") {
      // The speaker of a new quote: show the choice, add on "Add quote".
      const input = form.querySelector(".ac__input");
      input.value = option.dataset.new || option.querySelector(".ac__name").textContent;
      list.innerHTML = "";
      return;
    }
    if (form.dataset.mergeInto) {
      // The confirm names both: the one chosen, and the one it merges into.
      const name = option.querySelector(".ac__name");
      form.setAttribute(
        "hx-confirm",
        "Merge “" + (name ? name.textContent : "the chosen entity") + "” into “" + form.dataset.mergeInto +
          "”, everywhere? Its mentions, quotes and names move over.",
      );
    }
    form.requestSubmit();
  }

  // The text cursor: select words for a missed quote or mention from the keyboard. t selects
  // the next sentence (shift+t the previous); ] and [ move its end by a word, } and { its
  // start; Enter goes to the selection bar (speaker, type, Add quote / Add mention); Esc ends.

  function cursorShow(cursor) {
    const text = document.getElementById("article-text");
    state.cursor = cursor;
    window.TextCursor.show(text, cursor.start, cursor.end);
    showSelection(readSelection());
    const selection = window.getSelection();
    if (selection.rangeCount) {
      const node = selection.getRangeAt(0).startContainer.parentElement;
      if (node) scrollIntoViewIfNeeded(node);
    }
  }

  function sentenceFrom(offset, direction) {
    const text = document.getElementById("article-text");
    const found = window.TextCursor.textOf(text);
    let i = offset - found.base;
    if (direction < 0) {
      i = Math.max(0, i - 2);
      while (i > 0 && /\s/.test(found.text[i])) i--;
    } else {
      while (i < found.text.length && /\s/.test(found.text[i])) i++;
      if (i >= found.text.length) i = 0;
    }
    const [start, end] = window.TextCursor.sentenceAt(found.text, i);
    return { start: found.base + start, end: found.base + end };
  }

  function textCursorKey(event) {
    const text = document.getElementById("article-text");
    const bar = document.getElementById("selection-bar");
    if (!text || !bar || !window.TextCursor) return false;
    // Keys on a button or link (Enter on "Add quote") are theirs.
    if (event.target.closest && event.target.closest("button, a, summary, form")) return false;
    const cursor = state.cursor;
    if (event.key === "t" || event.key === "T") {
      let from = 0;
      if (cursor) from = event.key === "t" ? cursor.end : cursor.start;
      else if (state.quote && document.getElementById("q-" + state.quote)) {
        const mark = document.querySelector("#q-" + state.quote + " [data-s]");
        from = mark ? Number(mark.dataset.s) : 0;
      }
      cursorShow(sentenceFrom(from, event.key === "t" ? 1 : -1));
      return true;
    }
    if (!cursor) return false;
    const moved = window.TextCursor.step(text, cursor, event.key);
    if (moved) {
      cursorShow(moved);
      return true;
    }
    if (event.key === "Enter") {
      const speaker = bar.querySelector(".ac__input");
      if (speaker) speaker.focus();
      return true;
    }
    if (event.key === "Escape") {
      state.cursor = null;
      window.getSelection().removeAllRanges();
      showSelection(null);
      return true;
    }
    return false;
  }

  // Events ----------------------------------------------------------------------------------

  document.addEventListener("click", function (event) {
    const target = event.target;
    const tab = target.closest("[data-tab]");
    if (tab) return setTab(tab.dataset.tab);
    if (target.closest("[data-shortcuts]")) return document.getElementById("shortcuts").showModal();
    const option = target.closest(".ac__option");
    if (option) return pick(option);
    if (target.closest("[data-sel-cancel]")) {
      state.cursor = null;
      window.getSelection().removeAllRanges();
      return showSelection(null);
    }
    const edit = target.closest('[data-key="e"]');
    if (edit) {
      const editor = edit.closest(".qi").querySelector(".qi__editor");
      if (!editor.hidden) {
        editor.hidden = true;
        edit.setAttribute("aria-expanded", "false");
      } else {
        selectQuote(edit.closest(".qi").dataset.quote, { scrollText: true, focus: false });
        openEditor(edit.closest(".qi"));
      }
      return;
    }
    const jump = target.closest("[data-jump]");
    if (jump) {
      event.preventDefault();
      const item = jump.closest("[data-quote]");
      if (item) selectQuote(item.dataset.quote, { scrollText: true, focus: false });
      const mention = jump.closest("[data-mention]");
      if (mention) {
        selectMention(mention.dataset.mention);
        scrollIntoViewIfNeeded(document.getElementById(jump.dataset.jump));
      }
      return;
    }
    if (target.closest("#article-text")) {
      if (!window.getSelection().isCollapsed) return;
      const entity = target.closest("[data-mention]");
      const mark = target.closest("mark[data-quote]");
      if (entity && !target.closest(".q-who")) {
        selectMention(entity.dataset.mention);
      } else if (mark) {
        selectQuote(mark.dataset.quote, { scrollList: true, focus: false });
      }
      return;
    }
    const item = target.closest(".qi");
    if (item && !target.closest("button, a, input, select, form, label")) {
      selectQuote(item.dataset.quote, { scrollText: true });
    }
  });

  document.addEventListener("mouseup", function (event) {
    if (event.target.closest && event.target.closest("#selection-bar")) return;
    setTimeout(function () {
      const found = readSelection();
      if (found || !event.target.closest || !event.target.closest("#selection-bar")) showSelection(found);
    }, 0);
  });

  document.addEventListener("selectionchange", function () {
    // Keyboard selections (shift+arrows) count too; mouse ones are read on mouseup.
    const found = readSelection();
    if (found && state.selection && found.start === state.selection.start && found.end === state.selection.end) return;
    if (found && document.activeElement && document.activeElement.closest("#article-text")) showSelection(found);
  });

  document.addEventListener("input", function (event) {
    if (event.target.classList.contains("ac__input")) search(event.target);
  });

  document.addEventListener("focusin", function (event) {
    if (event.target.classList && event.target.classList.contains("ac__input") && !event.target.value) search(event.target);
  });

  document.addEventListener("submit", function (event) {
    const form = event.target;
    // The add-alias box and autocomplete boxes submit on Enter only with a value.
    if (form.classList.contains("ac-form") && !form.querySelector("[name=entity]").value && !form.querySelector("[name=new_name]").value) {
      event.preventDefault();
    }
  }, true);

  document.addEventListener("keydown", function (event) {
    const target = event.target;
    if (target.classList && target.classList.contains("ac__input")) {
      const list = target.closest(".ac").querySelector(".ac__list");
      if (event.key === "ArrowDown") {
        const first = list.querySelector(".ac__option");
        if (first) {
          event.preventDefault();
          first.focus();
        }
      } else if (event.key === "Enter") {
        const first = list.querySelector(".ac__option");
        event.preventDefault();
        if (first) pick(first);
      } else if (event.key === "Escape") {
        list.classList.remove("ac__list--open");
      }
      return;
    }
    if (target.classList && target.classList.contains("ac__option")) {
      if (event.key === "ArrowDown" || event.key === "ArrowUp") {
        event.preventDefault();
        const sibling = event.key === "ArrowDown" ? target.nextElementSibling : target.previousElementSibling;
        if (sibling && sibling.classList.contains("ac__option")) sibling.focus();
        else if (event.key === "ArrowUp") target.closest(".ac").querySelector(".ac__input").focus();
      }
      return;
    }
    if (event.metaKey || event.ctrlKey || event.altKey) return;
    // An open dialog has Esc to itself: the browser closes it (so never preventDefault here).
    if (document.querySelector("dialog[open]")) return;
    if (target.closest && target.closest("input, textarea, select, [contenteditable=true]")) {
      if (event.key === "Escape") target.blur();
      return;
    }
    if (!review()) return;
    if (textCursorKey(event)) {
      event.preventDefault();
      return;
    }
    const item = current();
    switch (event.key) {
      case "j":
        move(1);
        break;
      case "k":
        move(-1);
        break;
      case "a":
      case "x": {
        const button = item && item.querySelector('[data-key="' + event.key + '"]');
        if (button && !button.disabled) button.click();
        break;
      }
      case "s":
        openEditor(item, '[data-key="s"]');
        break;
      case "e":
        openEditor(item);
        break;
      case "u": {
        const undo = document.getElementById("undo-last");
        if (undo) undo.requestSubmit();
        break;
      }
      case "?":
        document.getElementById("shortcuts").showModal();
        break;
      case "Escape":
        showSelection(null);
        if (item) {
          const editor = item.querySelector(".qi__editor");
          if (editor) editor.hidden = true;
        }
        break;
      default:
        return;
    }
    event.preventDefault();
  });

  // After the review area is swapped in, keep the reviewer's place.
  document.addEventListener("htmx:afterSettle", function () {
    const fresh = review();
    if (!fresh || fresh.dataset.settled) return;
    fresh.dataset.settled = "1";
    setTab(state.tab);
    const focus = fresh.dataset.focus || "";
    state.selection = null;
    state.cursor = null;
    if (focus.startsWith("q")) state.quote = focus.slice(1);
    if (focus.startsWith("m")) state.mention = focus.slice(1);
    if (state.mention && document.getElementById("mi-" + state.mention) && state.tab === "entities") {
      selectMention(state.mention);
    }
    if (state.quote && document.getElementById("qi-" + state.quote)) {
      selectQuote(state.quote, { tab: false, scrollList: true });
    }
  });

  // A quote changed (accepted, rejected, retyped, another speaker): its row was swapped;
  // recolour its words and rename its speaker tag, then go on to the next quote nobody has
  // reviewed (the reviewer's place stays if there is none).
  document.addEventListener("quoteChanged", function (event) {
    const detail = event.detail || {};
    marksFor(detail.quote).forEach(function (mark) {
      mark.className = mark.className.replace(/\bq--(unreviewed|accepted|rejected|corrected)\b/, "q--" + detail.status);
      mark.classList.toggle("q--attribution", Boolean(detail.attribution));
      const who = mark.querySelector(":scope > .q-who");
      if (who) {
        who.textContent = detail.speaker || "?";
        who.setAttribute("aria-label", "Quote by " + (detail.speaker || "unknown speaker"));
      }
    });
    const items = quoteItems();
    const index = items.findIndex(function (item) {
      return item.dataset.quote === String(detail.quote);
    });
    const later = items.slice(index + 1).concat(items.slice(0, Math.max(index, 0)));
    const open = later.find(function (item) {
      return item.classList.contains("qi--unreviewed");
    });
    selectQuote(open ? open.dataset.quote : detail.quote, { tab: false, scrollText: true, scrollList: true });
  });

  // Anything the server could not answer (a vanished item, a lost connection) is said, not hidden.
  function say(message) {
    const box = document.querySelector(".review-messages");
    if (!box) return;
    const notice = document.createElement("div");
    notice.className = "notice notice--error";
    notice.textContent = message;
    box.replaceChildren(notice);
  }
  document.addEventListener("htmx:responseError", function (event) {
    const status = event.detail.xhr.status;
    say(status === 404 ? "That item no longer exists: someone removed it. Reload the page to see the current state."
      : status === 403 ? "You do not have permission to change this."
      : "The change could not be saved (HTTP " + status + "). Reload the page and try again.");
  });
  document.addEventListener("htmx:sendError", function () {
    say("The server could not be reached; nothing was saved.");
  });

  document.addEventListener("DOMContentLoaded", function () {
    // The review area the page came with needs no settling: only a swapped-in one does (other
    // swaps, such as the tags panel loading, must not reset the reviewer's place).
    if (review()) review().dataset.settled = "1";
    const hash = window.location.hash.match(/^#q-(\d+)$/);
    if (hash) selectQuote(hash[1], { scrollText: true, scrollList: true, focus: false });
  });
})();
