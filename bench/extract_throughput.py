"""Extraction throughput: the real worker, queued articles to stored results, against raw nlp.pipe.

    .venv/bin/python bench/extract_throughput.py [--articles 400] [--batch-size 16] [--rounds 3]

Runs in a scratch database (newsroom_bench_extract), never the app's own. Prints tokens and
articles per second and peak memory for raw spaCy, one worker, and two workers at once, and the
ratios the extraction issue sets: one worker >= 0.90 of raw, two workers >= 1.8 x one.
Each round measures raw spaCy, one worker and two workers back to back, so a slow spell on a
shared machine hits all three alike; the ratios are given per round and as the median. Raw
spaCy loads the model afresh each round, as each worker is a fresh process.
Worker throughput is measured from its ExtractionRun records (first claim to last write), so
process start-up and model loading count for neither side.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import time

from common import ROOT, bbc_texts, bench_database_url, setup_django


def peak_mb_children() -> float:
    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024


def raw_pipe(texts: list[str], model: str, batch_size: int) -> dict:
    import spacy

    nlp = spacy.load(model)
    started = time.perf_counter()
    tokens = sum(len(doc) for doc in nlp.pipe(texts, batch_size=batch_size))
    seconds = time.perf_counter() - started
    return {"seconds": seconds, "tokens": tokens, "articles": len(texts)}


def queue_articles(records: list[dict], copy: int) -> None:
    from articles.intake import imports, ingest
    from articles.models import Article, Entity, ExtractionRun

    Article.objects.all().delete()
    Entity.objects.all().delete()
    ExtractionRun.objects.all().delete()
    items = [
        ingest.ParsedItem(
            str(i),
            draft=ingest.ArticleDraft(
                title=r["title"], body=r["text"] + f"\n\n(copy {copy})", outlet="BBC News"
            ),
        )
        for i, r in enumerate(records)
    ]
    imports.import_items(items)


def run_workers(count: int, database_url: str, batch_size: int) -> dict:
    from django.db.models import Max, Min, Sum

    from articles.models import Article, ExtractionRun

    # As deployed: DEBUG off (with it on, Django records every SQL statement).
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "DEBUG": "0",
        "SECRET_KEY": "bench-" + "x" * 60,
    }
    command = [sys.executable, "manage.py", "extract", "--once", "--batch-size", str(batch_size)]
    procs = [
        subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL)
        for _ in range(count)
    ]
    for proc in procs:
        if proc.wait() != 0:
            raise SystemExit(f"a worker exited with {proc.returncode}")
    runs = ExtractionRun.objects.aggregate(
        start=Min("started_at"), end=Max("finished_at"), articles=Sum("articles")
    )
    left = Article.objects.exclude(status=Article.Status.EXTRACTED).count()
    if left:
        raise SystemExit(f"{left} articles were not extracted")
    return {
        "seconds": (runs["end"] - runs["start"]).total_seconds(),
        "articles": runs["articles"],
        "workers": ExtractionRun.objects.values("worker").distinct().count(),
    }


def one_round(records: list[dict], model: str, database_url: str, batch_size: int, copy: int):
    texts = [r["text"] for r in records]
    raw = raw_pipe(texts, model, batch_size)
    raw_peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    queue_articles(records, copy=copy)
    one = run_workers(1, database_url, batch_size)
    one_peak = peak_mb_children()
    queue_articles(records, copy=copy + 1)
    two = run_workers(2, database_url, batch_size)
    return {
        "tokens": raw["tokens"],
        "rows": [
            ("raw nlp.pipe", raw["seconds"], raw_peak),
            ("1 worker", one["seconds"], one_peak),
            (f"2 workers ({two['workers']} ran)", two["seconds"], peak_mb_children()),
        ],
        "single": raw["seconds"] / one["seconds"],
        "double": one["seconds"] / two["seconds"],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=400)
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()

    database_url = bench_database_url("newsroom_bench_extract")
    setup_django(database_url)
    from django.conf import settings

    model = settings.NEWSROOM_SPACY_MODEL
    records = bbc_texts(args.articles)
    print(f"{len(records)} BBC articles, model {model}, batch size {args.batch_size}")
    print(f"{os.cpu_count()} cores, {args.rounds} rounds")

    rounds = []
    for n in range(args.rounds):
        result = one_round(records, model, database_url, args.batch_size, copy=2 * n + 1)
        rounds.append(result)
        print(f"\nround {n + 1}")
        print(f"{'':24} {'seconds':>8} {'tokens/s':>10} {'articles/s':>11} {'peak MB':>8}")
        for name, seconds, peak in result["rows"]:
            print(
                f"{name:24} {seconds:8.2f} {result['tokens'] / seconds:10.0f} "
                f"{len(records) / seconds:11.2f} {peak:8.0f}"
            )
        print(f"one worker / raw spaCy: {result['single']:.3f}")
        print(f"two workers / one worker: {result['double']:.3f}")
    singles = sorted(r["single"] for r in rounds)
    doubles = sorted(r["double"] for r in rounds)
    print(
        f"\none worker / raw spaCy: median {statistics.median(singles):.3f} "
        f"(range {singles[0]:.3f}-{singles[-1]:.3f}; target >= 0.90)"
    )
    print(
        f"two workers / one worker: median {statistics.median(doubles):.3f} "
        f"(range {doubles[0]:.3f}-{doubles[-1]:.3f}; target >= 1.80)"
    )
    print("peak MB for workers is the largest single worker process (ru_maxrss of children)")


if __name__ == "__main__":
    main()
