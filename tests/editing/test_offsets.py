"""Spans follow a change of text (articles/editing/offsets.py): the map alone, no database."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from articles.editing.offsets import CHAR_DIFF_MAX_CELLS, OffsetMap, matching_blocks


@pytest.mark.parametrize(
    ("old", "new", "offset", "start", "end"),
    [
        ("abcdef", "abcdef", 3, 3, 3),
        # Text inserted at a boundary stays outside a span starting or ending there.
        ("LondonThe end", "London The end", 6, 7, 6),
        ("LondonThe end", "London The end", 9, 10, 10),
        ("x  y", "x y", 3, 2, 2),
        # Text replaced at a span's edge is inside it.
        ("say abc now", "say xyz now", 4, 4, 4),
        ("say abc now", "say xyz now", 7, 7, 7),
    ],
)
def test_offsets_map_to_the_same_place(old, new, offset, start, end):
    remap = OffsetMap(old, new)
    assert (remap.start(offset), remap.end(offset)) == (start, end)


def span_of(old: str, new: str, words: str) -> str:
    remap = OffsetMap(old, new)
    start = old.index(words)
    new_start, new_end = remap.span(start, start + len(words))
    return new[new_start:new_end]


def test_a_span_keeps_its_words_when_text_is_added_around_it():
    old = 'The mayor said "we will win" today.'
    new = 'Yesterday, the mayor said: "we will win" today, loudly.'
    assert span_of(old, new, '"we will win"') == '"we will win"'
    assert span_of(old, new, "mayor") == "mayor"


def test_a_span_takes_the_new_words_of_an_edit_inside_it():
    old = 'The mayor said "we will winn" today.'
    new = 'The mayor said "we shall win" today.'
    assert span_of(old, new, '"we will winn"') == '"we shall win"'


def test_a_span_whose_words_are_deleted_is_empty():
    old = "One. Two three four. Five."
    new = "One. Five."
    remap = OffsetMap(old, new)
    start = old.index("Two")
    new_start, new_end = remap.span(start, start + len("Two three four."))
    assert new_start == new_end and new[new_start:] in ("Five.", " Five.")


def test_a_long_rewritten_text_is_compared_by_lines_then_words():
    paragraphs = [f"Paragraph {n} says that the council met on day {n}." for n in range(900)]
    old = "\n\n".join(paragraphs)
    assert len(old) ** 2 > CHAR_DIFF_MAX_CELLS  # too long to compare by character
    new = old.replace("council", "committee").replace("\n\n", "\n\nAnd ")
    remap = OffsetMap(old, new)
    start = old.index("day 450.")
    new_start, new_end = remap.span(start, start + len("day 450."))
    assert new[new_start:new_end] == "day 450."


TEXT = st.text(alphabet="ab \n.", max_size=60)


@settings(max_examples=300, deadline=None)
@given(old=TEXT, new=TEXT, data=st.data())
def test_matching_blocks_are_shared_runs_in_order(old, new, data):
    blocks = matching_blocks(old, new)
    previous_old = previous_new = 0
    for old_start, new_start, size in blocks:
        assert size > 0
        assert old[old_start : old_start + size] == new[new_start : new_start + size]
        assert old_start >= previous_old and new_start >= previous_new
        previous_old, previous_new = old_start + size, new_start + size
    if old:
        start = data.draw(st.integers(0, len(old) - 1))
        end = data.draw(st.integers(start + 1, len(old)))
        new_start, new_end = OffsetMap(old, new).span(start, end)
        assert 0 <= new_start <= new_end <= len(new)
