"""Text repair on clean news: every edit it makes there is a likely false repair.

    .venv/bin/python bench/repair_clean.py [--list]

Runs repair over the BBC and Wikinews corpora in ../shared/corpus (edited, well-formed text)
and prints how many edits of each kind it makes, per corpus; with --list, every glued-word
split with its context, to read them one by one. The goal is near zero.
"""

from __future__ import annotations

import argparse
import json
import time
from collections import Counter

from common import ROOT

CORPORA = ("bbc.jsonl", "wikinews.jsonl")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--list", action="store_true", help="print every split with context")
    args = parser.parse_args()
    from articles.nlp.repair import repair_text

    for name in CORPORA:
        path = ROOT.parent / "shared" / "corpus" / name
        texts = [json.loads(line)["text"] for line in path.open(encoding="utf-8")]
        kinds: Counter[str] = Counter()
        splits = []
        started = time.perf_counter()
        for text in texts:
            result = repair_text(text)
            for repair in result.repairs:
                kinds[repair.kind] += 1
                if repair.kind == "glued":
                    before = result.text[max(0, repair.start - 40) : repair.start]
                    after = result.text[repair.end : repair.end + 40]
                    splits.append((repair.original, repair.replacement, before, after))
        seconds = time.perf_counter() - started
        words = sum(len(t.split()) for t in texts)
        summary = ", ".join(f"{n} {kind}" for kind, n in kinds.most_common()) or "no edits"
        print(f"{name}: {len(texts)} articles, {words:,} words, {seconds:.1f} s: {summary}")
        if args.list:
            for original, replacement, before, after in splits:
                context = f"{before}[{original} -> {replacement}]{after}".replace("\n", " ")
                print(f"    {context}")


if __name__ == "__main__":
    main()
