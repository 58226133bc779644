"""Stage 2, parse and validate, in processes apart from the run: `ParseAhead` runs
flows.validate.parse_and_validate for each release in a forked parse process under memory and time limits
(PARSER_LIMITS), parsing ahead of the load while the run inserts earlier releases; a process that dies rejects the
release it was parsing, and the run goes on with a new one.
"""
from __future__ import annotations

import logging
import os
import signal
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from flows.catalog import Source
from flows.config import Settings
from flows.errors import FailureCase, ParserFault, SourceError
from flows.records import Candidate, _label
from flows.validate import LoadedTable, parse_and_validate
from warehouse import db

log = logging.getLogger("pledges")


def _parse_ahead(source: Source, path: Path, label: str, settings: Settings, published_on: date,
                 file_name: str | None = None) -> tuple:
    """parse_and_validate, packed for `_unpack` (in a parse process, see ParseAhead): a SourceError travels as its
    fields, since it does not pickle."""
    try:
        return "ok", parse_and_validate(source, path, label, settings, published_on, file_name)
    except SourceError as exc:
        return "rejected", (exc.source, exc.release, exc.message, exc.cases)
    except ParserFault as exc:
        return "parser_fault", exc.args


class _ParseProcessTraceback(Exception):
    """The parse process's traceback of a ParserFault, as its cause: `--debug` shows where the parser failed."""

    def __str__(self) -> str:
        return "\n\n" + self.args[0]


def _unpack(packed: tuple) -> tuple[list[LoadedTable], list[str]]:
    status, value = packed
    if status == "rejected":
        raise SourceError(*value)
    if status == "parser_fault":     # no rejection: raised past ingest, so no release is recorded
        fault = ParserFault(*value)
        raise fault from _ParseProcessTraceback(fault.detail)
    return value


def _worker_start() -> None:
    """A forked parse worker: dies with the run that started it, and never holds the warehouse's writer lock."""
    db.forget_inherited_locks()
    try:
        import ctypes
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)   # PR_SET_PDEATHSIG: no orphans if the run is killed
    except (OSError, AttributeError):
        pass


def _load_for_parsing(source: Source) -> None:
    """In the run, before parse processes are forked: what each process would otherwise load for itself, loaded
    once and inherited by all: the family's parser and schema modules, each table's Pandera
    schema (built on first use), Pandera's validation and check backends (registered on a first validation: here
    of an empty frame; no published data is read in the run) and the codec zipfile reads member names with."""
    import codecs

    import pandas as pd
    import pandera.pandas as pa

    source.parse
    for model in source.tables.values():
        model.to_schema()
    codecs.lookup("cp437")
    empty = pd.DataFrame({"n": pd.Series([], dtype=object), "s": pd.Series([], dtype=object)})
    try:
        pa.DataFrameSchema({"n": pa.Column("Int64", pa.Check.ge(0), nullable=True, coerce=True),
                            "s": pa.Column(str, nullable=True, coerce=True)}).validate(empty, lazy=True)
    except pa.errors.SchemaErrors:
        pass


PARSER_LIMITS = "exceeded parser limits"


def _limit_memory(settings: Settings) -> None:
    """Before each file: the address space capped at the process's size now plus `parse_memory_mb` (the soft
    limit is raised or lowered to it; the hard limit is left as the run had it)."""
    import resource

    if settings.parse_memory_mb <= 0:
        return
    try:
        size = int(Path("/proc/self/statm").read_text().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return                                            # not Linux: the time limit still applies
    _soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    limit = size + settings.parse_memory_mb * 2**20
    resource.setrlimit(resource.RLIMIT_AS, (limit if hard == resource.RLIM_INFINITY else min(limit, hard), hard))


def _parse_one(cand: Candidate, settings: Settings) -> tuple:
    """One file in a parse process, under its limits, packed for the run (see `_Worker` for what each means)."""
    _limit_memory(settings)
    if settings.parse_timeout > 0:
        signal.setitimer(signal.ITIMER_REAL, settings.parse_timeout)
    try:
        return _parse_ahead(cand.source, cand.path, _label(cand), settings, cand.published_on, cand.file_name)
    except MemoryError:
        return "limit", "memory"
    except Exception:                       # a crash outside the parser's code (ParserFault is packed above): this file's failure only
        return "crashed", traceback.format_exc(limit=-8)
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)   # parsed: waiting for the run to take the result is not parse time


def _worker_loop(conn, tasks: list[Candidate], settings: Settings) -> None:
    """A parse process's life: it receives the index of a release in `tasks` (the list as it was when the process
    was forked), parses it and sends the packed result back, until told to stop (None) or the run is gone. After
    anything but tables or a rejection (a crash, memory running out) it ends, so no file is parsed in a process a
    failure may have left in a bad state; after a large file too, to give back the memory it grew to."""
    import resource

    _worker_start()
    os.environ["RUST_BACKTRACE"] = "0"     # calamine's failed allocation: one line on stderr, not a backtrace
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))      # an aborted parse of gigabytes must not dump them to disk
    signal.signal(signal.SIGALRM, signal.SIG_DFL)         # ends the process in the kernel, even inside calamine
    while True:
        try:
            index = conn.recv()
        except (EOFError, OSError):
            return
        if index is None:
            return
        packed = _parse_one(tasks[index], settings)
        try:
            conn.send(packed)
        except MemoryError:
            packed = None
            conn.send(("limit", "memory"))  # its frames did not fit in memory a second time, pickled
            return
        if packed[0] not in ("ok", "rejected") or tasks[index].bytes > ParseAhead.LARGE_FILE_BYTES:
            return
        packed = None


@dataclass
class _Worker:
    """A parse process in the run's view: it knows the releases `tasks[:knows]`; `cand` is the one it is parsing."""
    process: object          # multiprocessing.Process
    conn: object             # the run's end of its two-way pipe
    knows: int
    cand: Candidate | None = None
    started: float = 0.0     # time.monotonic() when it was given `cand`


class ParseAhead:
    """Every release is parsed and validated in a parse process, under memory and time limits, never in the run
    itself: a file that makes the parser abort, or grow without bound (a cell repeated 16,000,000 times), ends the
    process parsing it, and that release alone is rejected (`exceeded parser limits: memory` / `time`, or a
    crash outside the parser) while the run carries on with the others in a new process. An exception the parser's
    code raises (flows.errors.ParserFault: a bug, or something in the file it does not handle) is no rejection: the
    run fails that file, unrecorded, and loads the others. A release is never parsed a second time.

    Parse processes are forked from the run (its modules already imported) and live for the whole load, taking
    one release after another: the limits are set again before each file (address space: the process's size
    then plus `parse_memory_mb`; time: `parse_timeout`). Up to `parse_workers` releases are parsed ahead of their
    turn while this process inserts earlier ones (parsing is CPU-bound and calamine holds the GIL, so threads
    would not help). When this process needs a release nobody has started, it starts it at once and, while it
    waits, keeps one more release parsing than `parse_workers` (its own core's share). With `parse_workers` 0 one
    parse process takes each release at its turn. All warehouse writes stay in this process, in release order.

    Files over LARGE_FILE_BYTES are not parsed ahead but at their turn, and their process ends after them: a 16 MB
    returns workbook peaks at about 700 MB while parsed, so two at once (plus frames pickled back) could double the
    run's memory for little gain.

    Limits (Settings): `parse_memory_mb` of address space beyond the process's size before the file (RLIMIT_AS),
    `parse_timeout` seconds of wall-clock time (SIGALRM in the process, and this process kills it GRACE seconds
    later if it is still silent); 0 turns a limit off.
    """

    LARGE_FILE_BYTES = 8 * 2**20
    GRACE = 30.0

    def __init__(self, settings: Settings, candidates: list[Candidate]):
        self.settings = settings
        self.tasks = list(candidates)       # every release a parse process may be given, by index
        self.index = {id(c): i for i, c in enumerate(self.tasks)}
        self.queue = [c for c in candidates if c.bytes <= self.LARGE_FILE_BYTES]   # to parse ahead, in order
        self.workers = max(settings.parse_workers, 0)
        self.running: dict[int, _Worker] = {}
        self.idle: list[_Worker] = []
        self.results: dict[int, tuple] = {}
        self.loaded: set[str] = set()       # families whose modules this process has loaded (_load_for_parsing)

    def __enter__(self) -> "ParseAhead":
        self._fill(self.workers)
        return self

    def result_for(self, cand: Candidate) -> Callable[[], tuple[list[LoadedTable], list[str]]]:
        """How `ingest` gets this release's tables (or its SourceError): parsed in a parse process, if it was not
        already parsed ahead. The parse starts when `ingest` asks for it."""
        return lambda: _unpack(self._wait_for(cand))

    def _wait_for(self, cand: Candidate) -> tuple:
        key = id(cand)
        if key not in self.results and key not in self.running:
            self.queue = [c for c in self.queue if c is not cand]
            self._start(cand)
        while key not in self.results:
            self._fill(self.workers + 1)      # this process only waits: its core parses one more
            self._collect()
        return self.results.pop(key)

    def _fill(self, slots: int) -> None:
        while self.queue and len(self.running) < slots:
            self._start(self.queue.pop(0))

    def _start(self, cand: Candidate) -> None:
        if id(cand) not in self.index:        # a release nobody listed (pledges check): known to new processes only
            self.index[id(cand)] = len(self.tasks)
            self.tasks.append(cand)
        index = self.index[id(cand)]
        while True:
            worker = next((w for w in self.idle if w.knows > index), None) or self._fork()
            if worker in self.idle:
                self.idle.remove(worker)
            try:
                worker.conn.send(index)
                break
            except OSError:                    # it died while idle: not this release's doing
                self._end(worker)
        worker.cand, worker.started = cand, time.monotonic()
        self.running[id(cand)] = worker

    def _fork(self) -> _Worker:
        import multiprocessing

        for source in {c.source.family: c.source for c in self.tasks}.values():
            if source.family not in self.loaded:
                self.loaded.add(source.family)
                try:
                    _load_for_parsing(source)
                except Exception:   # the parse process meets it again, and rejects the release saying why
                    log.debug("loading %s's parser and schemas failed", source.family, exc_info=True)
        context = multiprocessing.get_context("fork")
        ours, theirs = context.Pipe(duplex=True)
        process = context.Process(target=_worker_loop, name="parse", daemon=True, args=(theirs, self.tasks, self.settings))
        process.start()
        theirs.close()
        return _Worker(process, ours, len(self.tasks))

    def _deadline(self, worker: _Worker) -> float:
        return worker.started + self.settings.parse_timeout + self.GRACE if self.settings.parse_timeout > 0 else float("inf")

    def _collect(self) -> None:
        """Wait (up to a few seconds) for any parse process to send its result or die; take what is ready."""
        from multiprocessing.connection import wait

        if not self.running:
            return
        first_deadline = min(self._deadline(w) for w in self.running.values())
        ready = wait([w.conn for w in self.running.values()], timeout=max(0.0, min(first_deadline - time.monotonic(), 5.0)))
        for worker in list(self.running.values()):
            if worker.conn in ready:
                self._finish(worker)
            elif time.monotonic() > self._deadline(worker):
                worker.process.kill()     # silent past its time limit and the grace: SIGALRM did not end it
                self._finish(worker, timed_out=True)

    def _finish(self, worker: _Worker, timed_out: bool = False) -> None:
        cand = worker.cand
        del self.running[id(cand)]
        worker.cand = None
        packed = None
        if not timed_out:
            try:
                packed = worker.conn.recv()
            except Exception:            # EOFError: it died before sending; or a result cut short
                packed = None
        if packed is not None and packed[0] in ("ok", "rejected"):
            self.results[id(cand)] = packed
            if cand.bytes > self.LARGE_FILE_BYTES:
                self._end(worker)        # it ends on its own after a large file
            else:
                self.idle.append(worker)
            return
        code = self._end(worker)
        if packed is None or packed[0] in ("limit", "crashed"):
            packed = self._died(cand, code, packed, timed_out)
        self.results[id(cand)] = packed

    def _end(self, worker: _Worker) -> int | None:
        """A parse process stopped (told to, if it still listens) and reaped; its exit code."""
        try:
            worker.conn.send(None)
        except OSError:
            pass
        worker.conn.close()
        worker.process.join(10)
        if worker.process.is_alive():
            worker.process.kill()
            worker.process.join()
        return worker.process.exitcode

    def _died(self, cand: Candidate, code: int | None, packed: tuple | None, timed_out: bool) -> tuple:
        """A parse process that ended without tables or a rejection: the release is rejected, saying why."""
        settings, name = self.settings, cand.file_name
        signal_name = signal.Signals(-code).name if code is not None and code < 0 and -code in signal.Signals._value2member_map_ else None
        memory = f"more than the {settings.parse_memory_mb:,} MB allowed (PLEDGES_PARSE_MEMORY_MB)"
        if timed_out or signal_name == "SIGALRM":
            check = f"{PARSER_LIMITS}: time: parsing took longer than {settings.parse_timeout:g} s (PLEDGES_PARSE_TIMEOUT)"
        elif packed is not None and packed[0] == "limit":
            check = f"{PARSER_LIMITS}: memory: parsing needed {memory}"
        elif signal_name == "SIGABRT":
            check = f"{PARSER_LIMITS}: memory: the parser aborted (SIGABRT), as calamine does when it needs {memory}"
        elif signal_name == "SIGKILL":
            check = (f"{PARSER_LIMITS}: memory: the parse process was killed (SIGKILL), as the system's out-of-memory "
                     f"killer does (limit: {memory.removeprefix('more than ')})")
        elif packed is not None and packed[0] == "crashed":
            last = packed[1].strip().splitlines()[-1] if packed[1].strip() else "?"
            log.error("parsing %s failed:\n%s", name, packed[1])
            check = f"the parser failed on this file: {last}"
        else:
            check = f"the parse process died ({signal_name or f'exit code {code}'}) without a result"
        log.warning("%s %s: %s; rejected, the run goes on", cand.source.id, name, check)
        return "rejected", (cand.source.id, _label(cand), f"{name}: {check}; not loaded",
                            [FailureCase(None, None, None, check, name)])

    def __exit__(self, *exc) -> None:
        for worker in list(self.running.values()):     # parses nobody will ask for now (the publish failed)
            worker.process.kill()
            self._end(worker)
        for worker in self.idle:
            self._end(worker)
        self.running.clear()
        self.idle.clear()
        self.results.clear()
