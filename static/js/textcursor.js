// Selecting article text with the keyboard: a span of body offsets over the server's
// `data-s` pieces (each holds exactly the body's characters from its offset), moved by word.
// Used by the review page (a missed quote or mention) and the queue (a quote's boundaries).
(function () {
  "use strict";

  function pieces(container) {
    return Array.from(container.querySelectorAll("[data-s]"));
  }

  // The container's text as the body has it, and the body offset it starts at.
  function textOf(container) {
    const spans = pieces(container);
    if (!spans.length) return { text: "", base: 0 };
    const base = Number(spans[0].dataset.s);
    let text = "";
    spans.forEach(function (span) {
      const at = Number(span.dataset.s) - base;
      if (at > text.length) text += " ".repeat(at - text.length);
      text += span.textContent;
    });
    return { text: text, base: base };
  }

  function point(container, offset) {
    const spans = pieces(container);
    for (let i = 0; i < spans.length; i++) {
      const start = Number(spans[i].dataset.s);
      const node = spans[i].firstChild;
      const length = node ? node.textContent.length : 0;
      if (offset <= start + length && node) return [node, Math.max(0, offset - start)];
    }
    const last = spans[spans.length - 1];
    return last && last.firstChild ? [last.firstChild, last.firstChild.textContent.length] : null;
  }

  // Show [start, end) as the document's selection.
  function show(container, start, end) {
    const from = point(container, start);
    const to = point(container, end);
    if (!from || !to) return;
    const range = document.createRange();
    range.setStart(from[0], from[1]);
    range.setEnd(to[0], to[1]);
    const selection = window.getSelection();
    selection.removeAllRanges();
    selection.addRange(range);
  }

  // The next word boundary from i in a direction: the end of the next word going forward,
  // the start of the previous word going back.
  function wordStep(text, i, direction) {
    if (direction > 0) {
      while (i < text.length && /\s/.test(text[i])) i++;
      while (i < text.length && !/\s/.test(text[i])) i++;
    } else {
      while (i > 0 && /\s/.test(text[i - 1])) i--;
      while (i > 0 && !/\s/.test(text[i - 1])) i--;
    }
    return i;
  }

  // The sentence around offset i (relative to the text): from after the last stop to the next.
  function sentenceAt(text, i) {
    let start = i;
    while (start > 0 && !/[.!?]\s/.test(text.slice(start - 2, start))) start--;
    let end = i;
    while (end < text.length && !/[.!?]/.test(text[end])) end++;
    end = Math.min(text.length, end + 1);
    while (start < end && /\s/.test(text[start])) start++;
    return [start, end];
  }

  // Apply a key to a cursor {start, end} (body offsets) over the container's text; null if
  // the key is not a cursor key. ] [ move the end by a word; } { the start.
  function step(container, cursor, key) {
    const found = textOf(container);
    let start = cursor.start - found.base;
    let end = cursor.end - found.base;
    if (key === "]") end = wordStep(found.text, end, 1);
    else if (key === "[") end = Math.max(wordStep(found.text, end, -1), start + 1);
    else if (key === "}") {
      // The start of the next word, keeping at least one character.
      let i = start;
      while (i < found.text.length && !/\s/.test(found.text[i])) i++;
      while (i < found.text.length && /\s/.test(found.text[i])) i++;
      start = Math.min(i, end - 1);
    } else if (key === "{") start = wordStep(found.text, start, -1);
    else return null;
    return { start: found.base + start, end: found.base + end };
  }

  window.TextCursor = { textOf: textOf, show: show, step: step, sentenceAt: sentenceAt };
})();
