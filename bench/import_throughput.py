"""Import throughput: 10,000 articles through `import_articles`, as an editor's feed would come.

    .venv/bin/python bench/import_throughput.py [--articles 10000] [--rounds 3]

Runs in a scratch database (newsroom_bench_import), never the app's own. The articles are BBC
texts, each copy made unique by a line of its own, written as .jsonl files of at most 8 MB
(the upload limit is 10 MB). Each round empties the articles, then times:
- `manage.py import_articles DIR` as a fresh process, from start to exit (Python and Django
  start-up included), with its peak memory;
- the import jobs' own time (first job started to last job finished), the part the target of
  3 s for 10,000 articles is about.
A second run of the same files then times the duplicate check: every line is a duplicate.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from common import ROOT, bbc_texts, bench_database_url, setup_django

FILE_LIMIT = 8 * 1024 * 1024


def write_feed(directory: Path, count: int) -> int:
    records = bbc_texts(3000)
    files, size, out = 0, 0, None
    for n in range(count):
        record = records[n % len(records)]
        line = json.dumps(
            {
                "id": f"bbc-{n}",
                "title": f"{record['title']} ({n})",
                "text": f"{record['text']}\n\nCopy {n} of the story.",
                "outlet": "BBC News",
                "published": f"2005-{1 + n % 12:02d}-{1 + n % 28:02d}",
            }
        )
        if out is None or size + len(line) > FILE_LIMIT:
            if out is not None:
                out.close()
            files += 1
            out = (directory / f"feed-{files:02d}.jsonl").open("w", encoding="utf-8")
            size = 0
        out.write(line + "\n")
        size += len(line) + 1
    out.close()
    return files


def run_import(directory: Path, database_url: str) -> dict:
    env = {**os.environ, "DATABASE_URL": database_url, "DEBUG": "0", "SECRET_KEY": "b" * 60}
    started = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "manage.py", "import_articles", str(directory)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    seconds = time.perf_counter() - started
    if result.returncode != 0:
        raise SystemExit(f"import_articles failed:\n{result.stderr[-2000:]}")
    return {"seconds": seconds, "summary": result.stdout.strip().splitlines()[-1]}


def job_seconds() -> float:
    from django.db.models import Max, Min

    from articles.models import ImportJob

    span = ImportJob.objects.aggregate(start=Min("started_at"), end=Max("finished_at"))
    return (span["end"] - span["start"]).total_seconds()


def empty() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "TRUNCATE articles_article, articles_importjob, articles_extractionrun RESTART IDENTITY"
            " CASCADE"
        )
        cursor.execute("TRUNCATE articles_articlereviewevent")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    database_url = bench_database_url("newsroom_bench_import")
    setup_django(database_url)
    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(tmp)
        files = write_feed(directory, args.articles)
        megabytes = sum(p.stat().st_size for p in directory.iterdir()) / 1048576
        print(f"{args.articles:,} articles in {files} .jsonl files ({megabytes:.1f} MB)")
        print(f"{'round':>5} {'process s':>10} {'jobs s':>8} {'articles/s':>11} {'again s':>8}")
        rates = []
        for n in range(1, args.rounds + 1):
            empty()
            first = run_import(directory, database_url)
            jobs = job_seconds()
            again = run_import(directory, database_url)
            rate = args.articles / first["seconds"]
            rates.append(rate)
            print(
                f"{n:>5} {first['seconds']:>10.2f} {jobs:>8.2f} {rate:>11,.0f} "
                f"{again['seconds']:>8.2f}   {first['summary']} / {again['summary']}"
            )
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(
        f"median {statistics.median(rates):,.0f} articles/s;"
        f" peak memory of import_articles {peak:.0f} MB"
    )
    print("target: 10,000 articles in 3 s or less")


if __name__ == "__main__":
    main()
