"""Shared set-up for the benchmarks: a separate database, so benchmarks never touch real data."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BBC = ROOT.parent / "shared" / "corpus" / "bbc.jsonl"
sys.path.insert(0, str(ROOT))


def bench_database_url(name: str) -> str:
    """DATABASE_URL of scratch database `name`, on DATABASE_URL's server or the embedded one."""
    import psycopg

    base = os.environ.get("DATABASE_URL")
    if not base:
        from newsroom.embedded_db import embedded_database_url

        data_dir = Path(os.environ.get("NEWSROOM_DATA_DIR") or ROOT / "var").resolve()
        base = embedded_database_url(data_dir)
    server, _, _ = base.rpartition("/")
    with psycopg.connect(f"{server}/postgres", autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')
    return f"{server}/{name}"


def setup_django(database_url: str) -> None:
    """Point Django at the benchmark database and bring its schema up to date."""
    os.environ["DATABASE_URL"] = database_url
    os.environ["NEWSROOM_PROCESS"] = "command"  # the longer statement timeout of commands
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsroom.settings")
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)


def bbc_texts(limit: int) -> list[dict]:
    if not BBC.is_file():
        raise SystemExit(f"The BBC corpus is not at {BBC}.")
    with BBC.open(encoding="utf-8") as lines:
        return [json.loads(line) for _, line in zip(range(limit), lines, strict=False)]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_gunicorn(
    database_url: str, port: int, workers: int, threads: int = 0
) -> subprocess.Popen:
    """gunicorn on this database: sync workers, or gthread ones with `threads` (as `make run`
    and the Dockerfile start it)."""
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "DEBUG": "0",
        "SECRET_KEY": "bench-" + "x" * 60,
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "0",
        "SESSION_COOKIE_SECURE": "0",
        "CSRF_COOKIE_SECURE": "0",
        "SECURE_HSTS_SECONDS": "0",
        "LOG_LEVEL": "WARNING",
    }
    env.pop("NEWSROOM_PROCESS", None)  # a web server: the web statement timeout
    gunicorn = [sys.executable, "-m", "gunicorn", "newsroom.wsgi"]
    command = [*gunicorn, "--bind", f"127.0.0.1:{port}", "--workers", str(workers)]
    if threads:
        command += ["--threads", str(threads)]
    server = subprocess.Popen(command, cwd=ROOT, env=env)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return server
        except OSError:
            time.sleep(0.3)
    server.kill()
    raise SystemExit("gunicorn did not start")
