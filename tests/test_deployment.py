"""Deployment: production checks, the compose file, and embedded PostgreSQL per data directory.

These run manage.py in subprocesses, as a deployment would, with DATABASE_URL unset.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest
from django.conf import settings

from newsroom.embedded_db import stop_embedded_database

ROOT = Path(__file__).resolve().parent.parent
MANAGE = [sys.executable, str(ROOT / "manage.py")]
# Prints where this process's database connection went: the socket directory of its server.
WHERE = (
    "from django.db import connection; connection.ensure_connection(); "
    "print('socket', connection.connection.info.host)"
)


# Set by the test run, not by a deployment (the browser tests allow sync ORM calls in their loop).
TEST_ONLY_VARIABLES = {"DATABASE_URL", "DJANGO_ALLOW_ASYNC_UNSAFE"}


def app_env(**overrides: str) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if key not in TEST_ONLY_VARIABLES}
    env.setdefault("NEWSROOM_DATA_DIR", str(settings.NEWSROOM_DATA_DIR))
    env.update(overrides)
    return env


def manage(*args: str, env: dict[str, str], timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run(
        [*MANAGE, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout
    )


def manage_in_parallel(
    commands: list[tuple[tuple[str, ...], dict[str, str]]], timeout: float = 180
) -> list[tuple[int, str, str]]:
    """Start every command at once; return (returncode, stdout, stderr) of each."""
    processes = [
        subprocess.Popen(
            [*MANAGE, *args],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for args, env in commands
    ]
    results = []
    for process in processes:
        out, err = process.communicate(timeout=timeout)
        results.append((process.returncode, out, err))
    return results


def server_pid(data_dir: Path) -> int | None:
    pid_file = data_dir / "pg" / "postmaster.pid"
    if not pid_file.exists():
        return None
    return int(pid_file.read_text().split()[0])


def is_running(pid: int | None) -> bool:
    if pid is None:
        return False
    try:
        # A stopped server whose parent is gone can linger as a zombie until init reaps it.
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def stop_server(data_dir: Path) -> None:
    """Stop the embedded server of data_dir, with a fallback while stop_embedded_database fails."""
    pid = server_pid(data_dir)
    with contextlib.suppress(ImportError):  # see test_stop_embedded_database_stops_the_server
        stop_embedded_database(data_dir)
    if is_running(pid):
        os.kill(pid, signal.SIGINT)  # PostgreSQL's "fast" shutdown
    deadline = time.monotonic() + 30
    while is_running(pid) and time.monotonic() < deadline:
        time.sleep(0.1)


@pytest.fixture
def data_root():
    """A short, fresh directory for data directories (socket paths must stay short)."""
    import tempfile

    root = Path(tempfile.mkdtemp(prefix="nr-"))
    yield root
    for data_dir in root.iterdir():
        stop_server(data_dir)
    shutil.rmtree(root, ignore_errors=True)


# --- Production settings -------------------------------------------------------------------------


def production_env(**overrides: str) -> dict[str, str]:
    return app_env(
        DEBUG="0", SECRET_KEY=secrets.token_urlsafe(50), ALLOWED_HOSTS="example.org", **overrides
    )


def test_check_deploy_passes_with_production_settings():
    result = manage("check", "--deploy", "--fail-level", "WARNING", env=production_env())
    assert result.returncode == 0, result.stderr
    assert "System check identified no issues" in result.stdout


def test_check_deploy_would_catch_an_insecure_setting():
    env = production_env(SECURE_SSL_REDIRECT="0")
    result = manage("check", "--deploy", "--fail-level", "WARNING", env=env)
    assert result.returncode != 0
    assert "security.W008" in result.stderr


def test_production_refuses_to_start_without_a_secret_key():
    env = production_env()
    del env["SECRET_KEY"]
    result = manage("check", env=env)
    assert result.returncode != 0
    assert "SECRET_KEY must be set when DEBUG is off." in result.stderr


# --- docker-compose ------------------------------------------------------------------------------


def docker_compose() -> str:
    path = shutil.which("docker-compose")
    if path is None:
        if os.environ.get("CI"):
            pytest.fail("docker-compose is missing; CI must install it (see .ci/run)")
        pytest.skip("docker-compose is not installed (CI installs it)")
    return path


def compose_config(env: dict[str, str], tmp_path: Path) -> subprocess.CompletedProcess:
    # An empty env file: a developer's .env must not decide the outcome.
    env_file = tmp_path / "empty.env"
    env_file.touch()
    command = [docker_compose(), "--env-file", str(env_file), "-f", "docker-compose.yml"]
    return subprocess.run(
        [*command, "config", "-q"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )


def test_docker_compose_config_is_valid(tmp_path):
    env = {**os.environ, "SECRET_KEY": secrets.token_urlsafe(50)}
    result = compose_config(env, tmp_path)
    assert result.returncode == 0, result.stderr


def test_docker_compose_requires_a_secret_key(tmp_path):
    env = {key: value for key, value in os.environ.items() if key != "SECRET_KEY"}
    result = compose_config(env, tmp_path)
    assert result.returncode != 0
    assert "set SECRET_KEY in .env" in result.stderr


# --- Embedded PostgreSQL, one server per data directory ------------------------------------------


@pytest.mark.slow
def test_two_data_directories_run_two_servers(data_root):
    dirs = {name: data_root / name for name in ("a", "b")}
    envs = {name: app_env(NEWSROOM_DATA_DIR=str(path)) for name, path in dirs.items()}
    for code, _out, err in manage_in_parallel(
        [(("migrate", "--noinput", "-v", "0"), env) for env in envs.values()]
    ):
        assert code == 0, err

    write = "from articles.models import Tag; Tag.objects.create(name='{}'); " + WHERE
    results = manage_in_parallel(
        [(("shell", "-v", "0", "-c", write.format(name)), envs[name]) for name in dirs]
    )
    for name, (code, out, err) in zip(dirs, results, strict=True):
        assert code == 0, err
        # Each process talked to the server whose socket lives in its own data directory.
        assert f"socket {dirs[name] / 'pg'}" in out

    read = "from articles.models import Tag; print(list(Tag.objects.values_list('name', flat=1)))"
    results = manage_in_parallel([(("shell", "-v", "0", "-c", read), envs[name]) for name in dirs])
    assert [out.strip() for _code, out, _err in results] == ["['a']", "['b']"]

    pids = {name: server_pid(path) for name, path in dirs.items()}
    assert pids["a"] != pids["b"]
    assert all(is_running(pid) for pid in pids.values())
    assert all((path / "pg" / ".s.PGSQL.5432").exists() for path in dirs.values())


@pytest.mark.slow
def test_processes_starting_at_once_share_one_new_server(data_root):
    env = app_env(NEWSROOM_DATA_DIR=str(data_root / "fresh"))
    results = manage_in_parallel([(("shell", "-v", "0", "-c", WHERE), env) for _ in range(3)])
    for code, _out, err in results:
        assert code == 0, err
    assert {out.strip() for _code, out, _err in results} == {f"socket {data_root / 'fresh/pg'}"}
    assert is_running(server_pid(data_root / "fresh"))


@pytest.mark.slow
def test_stop_embedded_database_stops_the_server(data_root):
    data_dir = data_root / "stop"
    result = manage("shell", "-v", "0", "-c", WHERE, env=app_env(NEWSROOM_DATA_DIR=str(data_dir)))
    assert result.returncode == 0, result.stderr
    pid = server_pid(data_dir)
    assert is_running(pid)
    assert stop_embedded_database(data_dir) is True
    assert not is_running(pid)
    assert stop_embedded_database(data_dir) is False


# --- make run ----------------------------------------------------------------------------------


def _make_run(*assignments: str) -> str:
    result = subprocess.run(
        ["make", "-n", "run", *assignments], cwd=ROOT, capture_output=True, text=True, check=True
    )
    return result.stdout


def test_make_run_serves_this_machine_only_unless_host_says_otherwise():
    assert "--bind 127.0.0.1:8000" in _make_run()
    assert "--bind 0.0.0.0:9000" in _make_run("HOST=0.0.0.0", "PORT=9000")


def test_make_run_keeps_a_supervised_worker_and_says_so():
    commands = _make_run()
    assert "manage.py extract --supervise" in commands
    assert "restarted if it stops" in commands
