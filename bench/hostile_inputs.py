"""Hostile inputs against a running server: each case's status, time and the server's memory.

    .venv/bin/python bench/hostile_inputs.py

Starts gunicorn (one sync worker, DEBUG off) on a scratch database (newsroom_bench_hostile),
logs in as an editor and reviewer, and sends each case that once hurt the service (the
hostile-input issue's list). Per case it prints the HTTP status, the time the server took,
the web worker's peak memory during the case (VmHWM, reset before each case) and whether
PostgreSQL still answers afterwards.
"""

from __future__ import annotations

import json
import re
import time
from pathlib import Path

from common import bench_database_url, free_port, setup_django, start_gunicorn

from tests.intake.samples import forged_docx_bomb

PASSWORD = "bench-password-not-secret"


def seed() -> dict:
    from django.contrib.auth.models import Group, User
    from django.core.management import call_command

    from articles.intake import imports, ingest
    from articles.models import Article, Entity, ImportJob, Quote, Tag

    call_command("axes_reset", verbosity=0)  # the last run's brute force locked its user
    ImportJob.objects.all().delete()
    Article.objects.all().delete()
    Tag.objects.all().delete()
    tags = Tag.objects.bulk_create([Tag(name=f"Tag {n}") for n in range(300)])
    users = {}
    for name, group in (("bench-editor", "Editors"), ("bench-reviewer", "Reviewers")):
        user, _ = User.objects.get_or_create(username=name)
        user.set_password(PASSWORD)
        user.save()
        user.groups.add(Group.objects.get(name=group))
        users[name] = user
    body = "The mayor, Jane Holloway, said the plan would work. Critics disagreed."
    imports.import_items([ingest.ParsedItem("seed", draft=ingest.ArticleDraft("Seed", body))])
    article = Article.objects.get(content_hash=ingest.content_hash(body))
    article.tags.add(*tags[:5])
    entity, _ = Entity.objects.get_or_create(name="Jane Holloway", label="PERSON", key="holloway")
    quote, _ = Quote.objects.get_or_create(
        article=article, start=0, end=20, defaults={"text": body[:20]}
    )
    return {"tags": [t.pk for t in tags], "article": article.pk, "entity": entity, "quote": quote}


def jsonl(*records) -> bytes:
    return "\n".join(r if isinstance(r, str) else json.dumps(r) for r in records).encode()


class Server:
    def __init__(self, database_url: str) -> None:
        self.port = free_port()
        self.process = start_gunicorn(database_url, self.port, workers=1)
        self.base = f"http://127.0.0.1:{self.port}"

    def worker_pid(self) -> int:
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        return int(children.read_text().split()[0])

    def reset_peak(self) -> None:
        Path(f"/proc/{self.worker_pid()}/clear_refs").write_text("5")

    def peak_mb(self) -> float:
        status = Path(f"/proc/{self.worker_pid()}/status").read_text()
        return int(re.search(r"VmHWM:\s+(\d+)", status).group(1)) / 1024

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(30)


def logged_in(base: str, username: str):
    import httpx

    client = httpx.Client(base_url=base, timeout=300)
    page = client.get("/accounts/login/")
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
    client.post(
        "/accounts/login/",
        data={"username": username, "password": PASSWORD, "csrfmiddlewaretoken": token},
    )
    client.headers["X-CSRFToken"] = client.cookies.get("csrftoken")
    return client


def cases(editor, reviewer, base: str, seeded: dict):
    from django.urls import reverse

    article, entity, quote = seeded["article"], seeded["entity"], seeded["quote"]
    tags = "&".join(f"tag={pk}" for pk in seeded["tags"][:299])
    good = ("good.txt", b"Good story\n\nA good story ran.")
    last = ("last.txt", b"Last story\n\nThe last story ran.")
    nul_feed = jsonl({"text": "One."}, {"id": "a\u0000b", "text": "Two."}, {"text": "Three."})
    rename = reverse("articles:entity-rename", args=[entity.pk])
    alias = reverse("articles:entity-alias", args=[entity.pk])
    speaker = reverse("articles:quote-speaker", args=[quote.pk])
    search = reverse("articles:entity-search", args=[article])
    bomb = forged_docx_bomb(1536 * 1024 * 1024)
    big_feed = "\n".join(
        json.dumps({"text": f"Line {n} of a big feed ran today."}) for n in range(100_000)
    ).encode()

    def upload(client, *files):
        payload = [("files", (name, data)) for name, data in files]
        return client.post("/upload/", files=payload)

    def one_file(client, name, data):
        # As the upload page's script sends each file: the answer is the file's verdict rows.
        return client.post(
            "/upload/file/", files={"file": (name, data)}, headers={"HX-Request": "true"}
        )

    yield "search with 299 tags", lambda: editor.get(f"/search/?{tags}")
    yield (
        ".docx inflating to 1.5 GB, sizes forged",
        lambda: one_file(editor, "bomb.docx", bomb),
    )
    yield (
        "[good, .jsonl with NUL id, good]",
        lambda: upload(editor, good, ("feed.jsonl", nul_feed), last),
    )
    yield (
        ".jsonl line with a 5,000-digit number",
        lambda: one_file(editor, "digits.jsonl", b'{"text": "T.", "n": ' + b"9" * 5000 + b"}"),
    )
    yield ".jsonl line of 200,000 nested [", lambda: one_file(editor, "deep.jsonl", b"[" * 200_000)
    yield (
        "UTF-16 with BOM, odd length",
        lambda: one_file(editor, "odd.txt", "\ufeffTitle\nBody.".encode("utf-16-le") + b"x"),
    )
    yield (
        "UTF-16 with a lone surrogate",
        lambda: one_file(
            editor, "lone.txt", b"\xff\xfe" + "Title\nBody".encode("utf-16-le") + b"\x00\xd8"
        ),
    )
    yield (
        "UTF-16 without BOM",
        lambda: one_file(editor, "nobom.txt", "Wide story\nIt ran in UTF-16.".encode("utf-16-le")),
    )
    form = {"version": str(entity.version), "article": str(article)}
    yield "NUL in an entity rename", lambda: reviewer.post(rename, data={**form, "name": "A\x00B"})
    yield "NUL in an alias", lambda: reviewer.post(alias, data={**form, "name": "A\x00B"})
    yield (
        "NUL in a new speaker name",
        lambda: reviewer.post(speaker, data={"version": str(quote.version), "new_name": "A\x00B"}),
    )
    yield "NUL in the autocomplete's q", lambda: reviewer.get(search, params={"q": "A\x00B"})
    yield "NUL in the autocomplete's label", lambda: reviewer.get(search, params={"label": "\x00"})
    yield (
        "undo with a change that is no UUID",
        lambda: reviewer.post(
            reverse("articles:undo", args=[article]), data={"change": "not-a-uuid"}
        ),
    )
    yield (
        "split with a merge that is no UUID",
        lambda: reviewer.post(
            reverse("articles:entity-split", args=[entity.pk]), data={**form, "merge": "x"}
        ),
    )
    yield (
        "rename with article=²",
        lambda: reviewer.post(rename, data={**form, "article": "²", "name": "New name"}),
    )
    yield (
        "250 files in one POST",
        lambda: upload(
            editor, *[(f"s{n}.txt", f"Story {n}\n\nText {n}.".encode()) for n in range(250)]
        ),
    )
    yield (
        "12 MB paste",
        lambda: editor.post(
            "/upload/text/", data={"title": "", "text": "word " * (12 * 1024 * 1024 // 5)}
        ),
    )
    yield (
        "1,000-character file name",
        lambda: one_file(
            editor, "a" * 996 + ".txt", b"Long name\n\nA story with a long file name."
        ),
    )
    yield "100,000-line .jsonl", lambda: one_file(editor, "big.jsonl", big_feed)
    yield (
        "8.4 MB HTML of 600,000 spans",
        lambda: one_file(
            editor, "spans.html", b"<html><body><p>" + b"<span>x</span>" * 600_000 + b"</p></body>"
        ),
    )


def what_it_said(response) -> str:
    """The verdicts of an upload page, the message of a refusal, or where a redirect went."""
    if response.is_redirect:
        return "redirect, with a message on the next page"
    rows = re.findall(r'class="result result--(\w+)"', response.text)
    if rows:
        counts = {outcome: rows.count(outcome) for outcome in dict.fromkeys(rows)}
        return ", ".join(f"{n} {outcome}" for outcome, n in counts.items())
    title = re.search(r"<h1>(.*?)</h1>", response.text, re.S)
    return " ".join(title.group(1).split())[:60] if title else response.text[:60]


def brute_force(base: str) -> tuple[int, float]:
    """50 wrong admin passwords, then the right one: the status of the right one."""
    import httpx

    with httpx.Client(base_url=base, timeout=30) as client:
        started = time.perf_counter()
        for password in ["wrong"] * 50 + [PASSWORD]:
            page = client.get("/admin/login/")
            token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)
            response = client.post(
                "/admin/login/",
                data={
                    "username": "bench-editor",
                    "password": password,
                    "csrfmiddlewaretoken": token.group(1) if token else "",
                },
            )
        return response.status_code, time.perf_counter() - started


def database_answers() -> bool:
    from django.db import connection

    try:
        connection.close()
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return True
    except Exception:
        return False


def main() -> None:
    database_url = bench_database_url("newsroom_bench_hostile")
    setup_django(database_url)
    seeded = seed()
    server = Server(database_url)
    rows = []
    try:
        editor = logged_in(server.base, "bench-editor")
        reviewer = logged_in(server.base, "bench-reviewer")
        for name, send in cases(editor, reviewer, server.base, seeded):
            server.reset_peak()
            started = time.perf_counter()
            try:
                response = send()
                status, answer = response.status_code, what_it_said(response)
            except Exception as error:  # the server dropped the connection
                status, answer = type(error).__name__, ""
            seconds = time.perf_counter() - started
            rows.append((name, status, answer, seconds, server.peak_mb(), database_answers()))
        server.reset_peak()
        status, seconds = brute_force(server.base)
        rows.append(("50 wrong admin passwords, then the right one", status, "locked out",
                     seconds, server.peak_mb(), database_answers()))  # fmt: skip
    finally:
        server.stop()
    print("| case | status | answer | seconds | web worker peak MB | PostgreSQL answers after |")
    print("| --- | --- | --- | --- | --- | --- |")
    for name, status, answer, seconds, peak, alive in rows:
        print(
            f"| {name} | {status} | {answer} | {seconds:.2f} | {peak:.0f} |"
            f" {'yes' if alive else 'NO'} |"
        )


if __name__ == "__main__":
    main()
