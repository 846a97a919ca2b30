"""Streamed exports at 100,000 articles: time to first byte, total time, peak memory.

    .venv/bin/python bench/export_stream.py [--articles 100000] [--formats csv,jsonl]

Re-uses web_latency.py's scratch database (newsroom_bench_web: the BBC corpus repeated with
variations, a sample extracted for real, every copy carrying its original's mentions and
quotes), seeding it first if it has fewer articles. One gunicorn worker (2 threads), DEBUG off, a
logged-in reader; each export is downloaded whole, and the web worker's peak resident memory
(VmHWM, reset before each export) is read from /proc. The same selection is then exported by
`manage.py export_articles`, whose peak memory is that process's.
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import time
from pathlib import Path

import httpx
from common import ROOT, bench_database_url, free_port, setup_django, start_gunicorn
from web_latency import PASSWORD, bench_user, seed

EXPORTS = {
    "csv": {"format": "csv", "rows": "quotes"},
    "csv-articles": {"format": "csv", "rows": "articles"},
    "jsonl": {"format": "jsonl"},
}


def worker_pid(server: subprocess.Popen) -> int:
    children = Path(f"/proc/{server.pid}/task/{server.pid}/children").read_text().split()
    return int(children[0])


def peak_mb(pid: int) -> float:
    status = Path(f"/proc/{pid}/status").read_text()
    return int(re.search(r"VmHWM:\s+(\d+)", status).group(1)) / 1024


def log_in(client: httpx.Client, username: str) -> None:
    page = client.get("/accounts/login/")
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
    login = client.post(
        "/accounts/login/",
        data={"username": username, "password": PASSWORD, "csrfmiddlewaretoken": token},
    )
    if login.status_code != 302:
        raise SystemExit(f"login failed: {login.status_code}")


def download(client: httpx.Client, params: dict) -> dict:
    started = time.perf_counter()
    first = None
    size = lines = 0
    with client.stream("GET", "/export/", params=params, timeout=600) as response:
        if response.status_code != 200:
            raise SystemExit(f"export {params} answered {response.status_code}")
        for chunk in response.iter_bytes():
            if first is None and chunk:
                first = time.perf_counter() - started
            size += len(chunk)
            lines += chunk.count(b"\n")
    return {"first": first or 0.0, "total": time.perf_counter() - started, "mb": size / 1e6,
            "lines": lines}  # fmt: skip


def command_export(database_url: str, fmt: str, target: Path) -> dict:
    """export_articles in its own process: wall time and its peak memory (ru_maxrss)."""
    script = (
        "import resource, subprocess, sys, time; t = time.perf_counter(); "
        "subprocess.run(sys.argv[1:], check=True); "
        "print(time.perf_counter() - t, "
        "resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024)"
    )
    command = [sys.executable, "manage.py", "export_articles", "--format", fmt, "--output",
               str(target), "-v", "0"]  # fmt: skip
    env = {"DATABASE_URL": database_url, "PATH": "/usr/bin:/bin"}
    run = subprocess.run(
        [sys.executable, "-c", script, *command],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    seconds, peak = run.stdout.split()
    return {"total": float(seconds), "peak": float(peak), "mb": target.stat().st_size / 1e6}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=100_000)
    parser.add_argument("--extracted", type=int, default=400, help="originals extracted for real")
    parser.add_argument("--formats", default=",".join(EXPORTS), help="of: " + ", ".join(EXPORTS))
    parser.add_argument("--no-command", action="store_true", help="skip export_articles")
    args = parser.parse_args()

    database_url = bench_database_url("newsroom_bench_web")
    setup_django(database_url)
    seed(args.articles, args.extracted)
    from articles.models import Article, Mention, Quote

    counts = (Article.objects.count(), Mention.objects.count(), Quote.objects.count())
    print(f"{counts[0]:,} articles, {counts[1]:,} mentions, {counts[2]:,} quotes")
    username = bench_user()
    port = free_port()
    # Threads, as `make run` and the Dockerfile start it: a sync worker that streams for longer
    # than gunicorn's timeout (30 s) is killed by its master.
    server = start_gunicorn(database_url, port, workers=1, threads=2)
    results = {}
    try:
        pid = worker_pid(server)
        with httpx.Client(base_url=f"http://127.0.0.1:{port}") as client:
            log_in(client, username)
            client.get("/")  # the worker's imports and first queries, before measuring
            for name in args.formats.split(","):
                Path(f"/proc/{pid}/clear_refs").write_text("5")
                before = peak_mb(pid)
                result = download(client, EXPORTS[name])
                result["peak"] = peak_mb(pid)
                result["before"] = before
                results[name] = result
    finally:
        server.terminate()
        server.wait(30)
    print(f"\nGET /export/ from gunicorn (1 worker, 2 threads), {counts[0]:,} articles:")
    print(f"{'export':14} {'first byte s':>12} {'total s':>8} {'MB out':>8} {'lines':>9} "
          f"{'worker MB before':>16} {'peak':>6}")  # fmt: skip
    for name, r in results.items():
        print(
            f"{name:14} {r['first']:12.3f} {r['total']:8.1f} {r['mb']:8.1f} {r['lines']:9,d} "
            f"{r['before']:16.0f} {r['peak']:6.0f}"
        )
    if args.no_command:
        return
    print("\nmanage.py export_articles, same database:")
    for fmt in ("csv", "jsonl"):
        target = Path(f"/tmp/newsroom-bench-export.{fmt}")
        r = command_export(database_url, fmt, target)
        target.unlink()
        print(f"{fmt:14} {r['total']:8.1f} s {r['mb']:8.1f} MB, peak {r['peak']:.0f} MB")


if __name__ == "__main__":
    main()
