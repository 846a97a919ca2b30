"""'I' inside a quotation is whoever the quotation quotes (no model needed)."""

from __future__ import annotations

from articles.nlp.quotes import _quoted_first_person
from articles.nlp.results import QuoteSpan

TEXT = "“I told the board we would not wait,” said Carla Mendes."


def quote(start: int, end: int, **speaker) -> QuoteSpan:
    return QuoteSpan(start=start, end=end, text=TEXT[start:end], kind="direct", **speaker)


def test_i_inside_a_quotation_is_its_speaker() -> None:
    host = quote(0, 37, speaker="Carla Mendes", speaker_text="Carla Mendes", speaker_cluster=0)
    inner = QuoteSpan(
        start=14,
        end=34,
        text=TEXT[14:34],
        kind="indirect",
        speaker_text="I",
        speaker_start=1,
        speaker_end=2,
    )
    resolved = _quoted_first_person([host, inner])
    assert resolved[0] == host
    assert (resolved[1].speaker, resolved[1].speaker_cluster) == ("Carla Mendes", 0)
    assert resolved[1].speaker_evidence == "“I” speaks inside a quotation from Carla Mendes."


def test_i_outside_any_quotation_stays_unresolved() -> None:
    host = quote(0, 37, speaker="Carla Mendes", speaker_text="Carla Mendes", speaker_cluster=0)
    outside = QuoteSpan(
        start=40, end=50, text="x", kind="indirect", speaker_text="I", speaker_start=38
    )
    assert _quoted_first_person([host, outside])[1] == outside


def test_a_named_speaker_inside_a_quotation_keeps_its_name() -> None:
    host = quote(0, 37, speaker="Carla Mendes", speaker_text="Carla Mendes", speaker_cluster=0)
    named = QuoteSpan(
        start=14, end=34, text="x", kind="indirect", speaker_text="Tom", speaker_start=5
    )
    assert _quoted_first_person([host, named])[1] == named
