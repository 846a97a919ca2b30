"""Keep a worker running: start it as a child process, and start it again whenever it exits.

What `make run` uses (`manage.py extract --supervise`). SIGTERM and SIGINT are passed on to the
worker, which then finishes or releases its batch; the supervisor exits when the worker has.
A worker that keeps dying is restarted after growing delays, reset after a minute of running.
"""

from __future__ import annotations

import signal
import subprocess
import time
from collections.abc import Callable, Sequence

RESTART_DELAYS = (1, 2, 5, 10, 30)
HEALTHY_SECONDS = 60


def supervise(command: Sequence[str], log: Callable[[str], None]) -> int:
    """Run `command` until asked to stop; return the worker's last exit status."""
    state = {"stopping": False, "child": None}

    def forward(signum, frame):
        state["stopping"] = True
        child = state["child"]
        if child is not None and child.poll() is None:
            child.send_signal(signal.SIGTERM)

    signal.signal(signal.SIGTERM, forward)
    signal.signal(signal.SIGINT, forward)
    failures = 0
    code = 0
    while not state["stopping"]:
        started = time.monotonic()
        state["child"] = child = subprocess.Popen(list(command))
        log(f"Extraction worker started (pid {child.pid}); it is restarted if it stops")
        code = child.wait()
        if state["stopping"]:
            break
        if time.monotonic() - started >= HEALTHY_SECONDS:
            failures = 0
        delay = RESTART_DELAYS[min(failures, len(RESTART_DELAYS) - 1)]
        failures += 1
        log(f"Extraction worker (pid {child.pid}) exited with status {code}; restart in {delay} s")
        deadline = time.monotonic() + delay
        while not state["stopping"] and time.monotonic() < deadline:
            time.sleep(0.2)
    return code
