"""Shared set-up for the benchmarks: a separate database, so benchmarks never touch real data."""

from __future__ import annotations

import json
import os
import sys
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
