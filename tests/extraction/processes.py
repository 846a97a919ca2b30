"""Real worker processes for the tests: start them on the test database, read their output,
queue stories for them and wait for the database to say they are done."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import quote

from django.db import OperationalError, connection
from django.db.models import Count

from articles.intake import imports, ingest
from articles.models import Mention, Quote

ROOT = Path(__file__).resolve().parents[2]
STORY = (
    "Prime Minister Jane Holloway visited Leeds on Monday.\n\n"
    '"We will rebuild every school in this city," Holloway said. '
    "She added that the money would arrive by spring.\n\n"
    "Opposition leader Mark Fenwick said the plan was too late."
)


def story(n: int, repeat: int = 1) -> str:
    """A short news story, unique by n; `repeat` copies make it longer (about 330 characters
    each)."""
    return "\n\n".join(f"Report {n}.{i}. " + STORY for i in range(repeat))


def queue_stories(n: int, *, repeat: int = 1, start: int = 0) -> list[int]:
    """Import n stories as queued articles, through the import path; return their ids."""
    items = [
        ingest.ParsedItem(f"s{i}", draft=ingest.ArticleDraft(f"S{i}", story(i, repeat)))
        for i in range(start, start + n)
    ]
    return [result.article_id for result in imports.import_items(items)]


def database_url() -> str:
    db = connection.settings_dict
    host = quote(db["HOST"] or "", safe="")
    port = f":{db['PORT']}" if db.get("PORT") else ""
    password = f":{quote(db['PASSWORD'])}" if db.get("PASSWORD") else ""
    return f"postgres://{db['USER']}{password}@{host}{port}/{db['NAME']}"


class WorkerProcess:
    """`manage.py extract ARGS` on the test database, its output collected line by line."""

    def __init__(self, *args: str, lease: float = 60, **settings: str) -> None:
        env = {
            **os.environ,
            "DATABASE_URL": database_url(),
            "NEWSROOM_LEASE_SECONDS": str(lease),
            "PYTHONUNBUFFERED": "1",
            **settings,
        }
        self.process = subprocess.Popen(
            [sys.executable, "manage.py", "extract", *args],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        self.lines: list[str] = []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        for line in self.process.stdout:
            self.lines.append(line.rstrip("\n"))

    @property
    def output(self) -> str:
        return "\n".join(self.lines)

    @property
    def pid(self) -> int:
        return self.process.pid

    def running(self) -> bool:
        return self.process.poll() is None

    def signal(self, signum: int) -> None:
        self.process.send_signal(signum)

    def wait(self, timeout: float = 120) -> int:
        code = self.process.wait(timeout)
        self._reader.join(10)
        return code

    def stop(self) -> None:
        """SIGKILL, if it still runs (for finally blocks)."""
        if self.running():
            self.process.kill()
            self.wait(30)


def wait_for(condition, timeout: float = 120.0, what: str = "") -> None:
    """Poll until condition() is true. A lost test connection (the server restarted) is
    reopened rather than failing the wait."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if condition():
                return
        except OperationalError:
            connection.close()
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting{': ' + what if what else ''}")


def worker_backends() -> list[int]:
    """Server process ids of the sessions worker processes opened (main and LISTEN)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid FROM pg_stat_activity WHERE application_name LIKE 'newsroom worker %'"
            " AND pid <> pg_backend_pid()"
        )
        return [row[0] for row in cursor.fetchall()]


def terminate_worker_backends() -> int:
    """Cut every worker session, as an operator's pg_terminate_backend would."""
    pids = worker_backends()
    with connection.cursor() as cursor:
        for pid in pids:
            cursor.execute("SELECT pg_terminate_backend(%s)", [pid])
    return len(pids)


def someone_listens() -> bool:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT 1 FROM pg_stat_activity WHERE datname = current_database()"
            " AND query ILIKE 'LISTEN%%'"
        )
        return cursor.fetchone() is not None


def no_duplicates() -> bool:
    """No quote or mention was stored twice (an article extracted twice over would show)."""
    dupes = Quote.objects.values("article", "start", "end").annotate(n=Count("id")).filter(n__gt=1)
    mention_dupes = (
        Mention.objects.values("article", "start", "end").annotate(n=Count("id")).filter(n__gt=1)
    )
    return not dupes.exists() and not mention_dupes.exists()
