"""The NLP side of a worker: a child process that owns the spaCy model, and its time budget.

spaCy and the rules run in a child process forked from the worker, so that nothing they do can
stall the worker itself: a regular expression or a parse holds the GIL of its own process only,
and the worker goes on renewing its leases, answering SIGTERM and watching the clock.

The child reports each stage of each article as it starts it (repair, then the chunk's parse
together, then each article's extraction) and each result as it is ready. Every stage has the
same time budget (`budget_seconds`, NEWSROOM_ARTICLE_SECONDS). When a stage overruns it, the
child is killed and started again, and:
- if the stage was one article's (repair or extraction), that article fails this attempt with
  "took longer than N s" and the rest of its chunk is analysed again without it;
- if it was the chunk's parse, the rest are analysed one at a time, so that the slow one is
  found and fails on its own.
A child that dies (out of memory, a crash in native code) is handled the same way.

Call everything from the worker's main thread; the child is forked, not spawned, so it starts
with whatever the worker has already imported (and, in tests, patched).
"""

from __future__ import annotations

import contextlib
import ctypes
import multiprocessing
import signal
import sys
import time
import traceback
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from multiprocessing.connection import Connection

from articles.nlp.results import ArticleExtraction

# How often the worker gets control back while the child works (for leases and signals).
TICK_SECONDS = 0.5
# Loading the model is not an article's stage: it gets this long, or the budget if longer.
START_SECONDS = 180.0
PR_SET_PDEATHSIG = 1  # from <sys/prctl.h>


@dataclass(slots=True)
class Outcome:
    """How the analysis of one article ended: a result, or an error to record."""

    article_id: int
    seconds: float
    result: ArticleExtraction | None = None
    error: str = ""


class AnalyserFailed(Exception):
    """The child process could not be started (the model would not load)."""


class _Overrun(Exception):
    """The child overran its budget or died; `article_id` is the article it was on, if one."""

    def __init__(self, article_id: int | None, message: str) -> None:
        super().__init__(message)
        self.article_id = article_id


class Analyser:
    """The worker's handle on its NLP child process."""

    def __init__(self, model_name: str, budget_seconds: float) -> None:
        self.model_name = model_name
        self.budget_seconds = budget_seconds
        self.model_version = ""
        self._process: multiprocessing.Process | None = None
        self._conn: Connection | None = None
        self._busy = False  # a chunk was sent and its end not yet read
        self._working: int | None = None  # the article of the child's current stage

    def start(self, tick: Callable[[], None]) -> None:
        """Make sure a child is running with the model loaded; `tick` runs while it loads."""
        if self._process is not None and self._process.is_alive() and not self._busy:
            return
        self.stop()
        context = multiprocessing.get_context("fork")
        ours, theirs = context.Pipe()
        # Output still buffered here would be written a second time by the child.
        sys.stdout.flush()
        sys.stderr.flush()
        process = context.Process(
            target=_serve, args=(theirs, ours, self.model_name), name="newsroom-nlp", daemon=True
        )
        process.start()
        theirs.close()
        self._process, self._conn = process, ours
        limit = max(START_SECONDS, self.budget_seconds)
        try:
            message = self._receive(limit, tick)
        except _Overrun as problem:
            self.stop()
            raise AnalyserFailed(
                f"The NLP process did not load {self.model_name} within {limit:g} s, or died."
            ) from problem
        if message[0] != "ready":
            self.stop()
            raise AnalyserFailed(f"The NLP process did not start: {message[1]}")
        self.model_version = message[1]

    def stop(self) -> None:
        """End the child at once, whatever it is doing."""
        if self._conn is not None:
            self._conn.close()
        if self._process is not None and self._process.is_alive():
            self._process.kill()
        if self._process is not None:
            self._process.join(10)
        self._process, self._conn, self._busy = None, None, False

    def analyse(
        self, articles: list[tuple[int, str]], tick: Callable[[], None]
    ) -> Iterator[Outcome]:
        """One Outcome per article, as each is ready (not necessarily in order).

        `tick` is called at least every TICK_SECONDS while the child works; an exception it
        raises (the worker stopping) ends the analysis, leaving the child to be replaced.
        """
        todo = dict(articles)
        one_at_a_time = False
        while todo:
            chunk = list(todo.items())[: 1 if one_at_a_time else None]
            self.start(tick)
            self._conn.send(chunk)
            self._busy, self._working = True, None
            try:
                for outcome in self._outcomes(tick):
                    todo.pop(outcome.article_id, None)
                    yield outcome
            except _Overrun as problem:
                self.stop()
                culprit = problem.article_id
                if culprit is None and len(chunk) == 1:
                    culprit = chunk[0][0]
                if culprit is None:
                    one_at_a_time = True
                    continue
                todo.pop(culprit, None)
                one_at_a_time = False  # found it: the others go on together again
                yield Outcome(culprit, self.budget_seconds, error=str(problem))

    def _outcomes(self, tick: Callable[[], None]) -> Iterator[Outcome]:
        """Read one chunk's messages until its end, yielding results as they come."""
        while True:
            kind, *rest = self._receive(self.budget_seconds, tick)
            if kind == "end":
                self._busy = False
                return
            article_id, seconds, payload = rest
            if kind == "done":
                yield Outcome(article_id, seconds, result=payload)
            else:
                yield Outcome(article_id, seconds, error=payload)

    def _receive(self, budget: float, tick: Callable[[], None]) -> tuple:
        """The child's next message other than progress, each stage given `budget` seconds.

        Progress messages ("working", article id or None for the chunk's parse) restart the
        clock. Time the caller spends between messages does not count against the child.
        """
        conn = self._conn
        deadline = time.monotonic() + budget
        while True:
            now = time.monotonic()
            if now >= deadline and not conn.poll(0):
                raise _Overrun(self._working, self._overrun_message(self._working))
            if conn.poll(min(TICK_SECONDS, max(deadline - now, 0))):
                try:
                    message = conn.recv()
                except (EOFError, OSError):
                    raise _Overrun(self._working, self._death_message()) from None
                if message[0] != "working":
                    return message
                self._working = message[1]
                deadline = time.monotonic() + budget
                continue
            paused = time.monotonic()
            tick()
            deadline += time.monotonic() - paused

    def _overrun_message(self, article_id: int | None) -> str:
        what = "Extraction" if article_id is not None else "Parsing its batch"
        return (
            f"{what} took longer than {self.budget_seconds:g} s (NEWSROOM_ARTICLE_SECONDS); "
            "the attempt was stopped."
        )

    def _death_message(self) -> str:
        code = None
        if self._process is not None:
            self._process.join(5)
            code = self._process.exitcode
        return f"The NLP process died during extraction (exit code {code})."


# The child process -------------------------------------------------------------------------


def _serve(conn: Connection, worker_end: Connection, model_name: str) -> None:
    """Load the model, then analyse every chunk the worker sends until the pipe closes."""
    # Our copy of the worker's end would keep the pipe open after the worker died.
    worker_end.close()
    _die_with_parent()
    # The worker handles signals and stops the child itself; Ctrl-C reaches the whole group.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    from articles.nlp import pipeline

    try:
        nlp = pipeline.load_nlp(model_name)
    except Exception as error:
        conn.send(("error", f"{type(error).__name__}: {error}"))
        return
    conn.send(("ready", str(nlp.meta.get("version", ""))))
    while True:
        try:
            chunk = conn.recv()
        except (EOFError, OSError):
            return
        try:
            _analyse(conn, nlp, chunk)
            conn.send(("end",))
        except (BrokenPipeError, OSError):
            return


def _analyse(conn: Connection, nlp, chunk: list[tuple[int, str]]) -> None:
    from articles.nlp import pipeline
    from articles.nlp.repair import repair_text

    repaired, seconds = {}, {}
    for pk, text in chunk:
        conn.send(("working", pk))
        started = time.perf_counter()
        try:
            repaired[pk] = repair_text(text)
        except Exception:
            conn.send(("failed", pk, time.perf_counter() - started, _trace()))
            continue
        seconds[pk] = time.perf_counter() - started
    ready = [pk for pk, _ in chunk if pk in repaired]
    conn.send(("working", None))
    started = time.perf_counter()
    try:
        docs = list(nlp.pipe([repaired[pk].text for pk in ready], batch_size=max(len(ready), 1)))
    except Exception:
        docs = None  # one article broke the parse: the loop below finds it
    parse_share = (time.perf_counter() - started) / max(len(ready), 1)
    for index, pk in enumerate(ready):
        conn.send(("working", pk))
        started = time.perf_counter()
        try:
            doc = docs[index] if docs is not None else nlp(repaired[pk].text)
            result = pipeline.extract_doc(doc, repaired[pk])
        except Exception:
            conn.send(("failed", pk, time.perf_counter() - started, _trace()))
            continue
        spent = seconds[pk] + (parse_share if docs is not None else 0.0)
        conn.send(("done", pk, spent + time.perf_counter() - started, result))


def _die_with_parent() -> None:
    """Ask Linux to kill this process when the worker dies, even in the middle of a stage.

    Without it, an orphan would finish its stage first, holding copies of the worker's
    database sockets open all the while. Elsewhere the closed pipe ends it between stages.
    """
    with contextlib.suppress(OSError, AttributeError):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL)


def _trace() -> str:
    return traceback.format_exc(limit=5)
