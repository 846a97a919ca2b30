"""Speakers marked by layout instead of a verb: "PENCE: Well, ..." lines and '"..." ― Jane Doe'."""

from __future__ import annotations

import re

from articles.nlp.lexicon import BOILERPLATE_LABELS, NON_SPEAKER_LABELS

# A paragraph opening with a name and a colon: transcripts ("WALLACE: Governor, ...") and
# headline attributions ("John McCain: Populist anger ..."). At most four capitalised words,
# so sentences that merely contain a colon do not qualify.
_LABEL = re.compile(
    r"[\"“'‘]?[ \t]*((?:Dr\.|Mr\.|Mrs\.|Ms\.)?[ \t]*[A-Z][\w.'’-]*(?:[ \t]+[A-Z][\w.'’-]*){0,3})"
    r"[ \t]*:[ \t]+(?=\S)"
)

# A dash and a capitalised name straight after a quotation: '"We won." ― Jane Doe'.
_DASH_NAME = re.compile(r"[ \t\u00a0]*[―—–][ \t\u00a0]*(?=[A-Z])")


# A paragraph signed with a name after its last sentence: a pull quote ("... hard. Jane Doe").
_SIGNATURE = re.compile(
    r"[.!?][\"”’']?[ \t\u00a0]+([A-Z][\w'’-]+(?:[ \t][A-Z][\w'’.-]+){1,3})[ \t]*$"
)


def signature_at(text: str, start: int, end: int) -> tuple[int, int, int] | None:
    """Name signing a paragraph: (content end, name start, name end), or None."""
    match = _SIGNATURE.search(text, max(start, end - 60), end)
    if match is None or match.start() <= start:
        return None
    return match.start() + 1, match.start(1), match.end(1)


def label_at(text: str, pos: int) -> tuple[int, int, int] | None:
    """Speaker label at `pos`: (label start, label end, content start), or None."""
    match = _LABEL.match(text, pos)
    if match is None:
        return None
    label = match.group(1).strip()
    if label.lower() in BOILERPLATE_LABELS or label.lower() in NON_SPEAKER_LABELS:
        return None
    if len(label) < 2:
        return None
    return match.start(1), match.end(1), match.end()


def dash_name_after(text: str, pos: int) -> int | None:
    """Offset of the name in a '― Name' attribution right after a quotation, or None."""
    match = _DASH_NAME.match(text, pos)
    return match.end() if match else None


def is_shouted(label: str) -> bool:
    """True for an all-capitals transcript label such as "PENCE" or "MR. TRUMP"."""
    letters = [c for c in label if c.isalpha()]
    return len(letters) >= 2 and all(c.isupper() for c in letters)
