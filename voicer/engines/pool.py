"""Running turns: the engines own *how* a turn is run, render decides *what* runs.

A `TurnJob` is one turn (its chunks, voice and language, plus the cache key and the
episode it belongs to). A `TurnPool` takes jobs and yields one `TurnResult` per job,
in completion order. `open_pool(engine)` picks the pool from the engine's
`EngineTraits`, never from its name:

- "in-process": turns run here one after another (an engine on a GPU with one model
  replica keeps it busy; one worker; an engine that cannot be sent to another process);
- "workers": long-lived worker processes (`concurrent.futures.ProcessPoolExecutor`
  whose initializer receives the engine), each keeping its engine (a loaded model)
  for every turn it runs; on a GPU, one per model replica (`preferred_workers`);
- "fresh-process": for engines that are only deterministic in a fresh process
  (``determinism="fresh-process"``, eSpeak NG): each worker loads the engine's
  library once, never synthesizes itself, and forks a child per turn, so every turn
  starts from the same state whatever the order, the worker count or a resume.

Any object with `workers`, `run(jobs) -> PoolRun` and `close()` is a pool (the
catalogue's Ray pool plugs in that way: `render_scripts(..., pool=MyPool())`).

Worker processes are started with "spawn" (a fork of the caller would copy its
threads' locks, a progress bar's, and whatever an engine did before), and never
re-import the caller's ``__main__``: a script without an ``if __name__ == "__main__":``
guard, ``python -`` or a notebook can render with workers too (`_NoMainSpawnContext`).
"""

from __future__ import annotations

import contextlib
import os
import pickle
import signal
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from multiprocessing.context import SpawnContext, SpawnProcess
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from ..errors import EngineError, VoicerError

if TYPE_CHECKING:
    from concurrent.futures import Future

    import numpy as np

    from ..model import Voice
    from .base import Engine

T = TypeVar("T")

SEED = 0
"""Seed given to an engine's `seed(n)` before each turn (the audio must not depend on the run)."""

POOL_KINDS = ("in-process", "workers", "fresh-process")

_CHILD: int | None = None
"""The forked child speaking a turn right now (`run_isolated`), if any."""


# ---------------------------------------------------------------- job, result


@dataclass(frozen=True)
class TurnJob:
    """One turn to speak; picklable, so it can go to a worker process."""

    key: str
    """Cache key: identical jobs have the same key (render sends each key once)."""
    chunks: tuple[str, ...]
    voice: Voice
    language: str
    gap: float = 0.12
    """Seconds of silence between chunks."""
    episode: int = 0
    """Which script of the render this turn belongs to (several scripts share one pool)."""
    index: int = 0
    """Position of the turn in its script (`Script.turns()` order)."""

    @property
    def chars(self) -> int:
        return sum(len(c) for c in self.chunks)


@dataclass(frozen=True)
class TurnResult:
    """A job's audio, or the sentence saying why it failed (errors travel as text so
    even an unpicklable exception reaches the caller)."""

    job: TurnJob
    samples: np.ndarray | None = None
    sample_rate: int = 0
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


class PoolRun(Protocol):
    """Results of one `TurnPool.run`, in completion order."""

    def __iter__(self) -> Iterator[TurnResult]: ...

    def cancel(self) -> None:
        """Start no more jobs; results of the jobs already running are still yielded."""
        ...


class TurnPool(Protocol):
    """Runs turns for one engine."""

    kind: str
    workers: int
    """Turns synthesized at the same time."""

    def run(self, jobs: Iterable[TurnJob]) -> PoolRun: ...

    def close(self) -> None: ...


# ------------------------------------------------------------ speaking a turn


def speak_turn(engine: Engine, job: TurnJob) -> tuple[np.ndarray, int]:
    """Speak each chunk (several per call when the engine batches: `synthesize_chunks`)
    and join them with `job.gap` seconds of silence."""
    import numpy as np

    from .base import synthesize_chunks

    parts: list[np.ndarray] = []
    rate: int | None = None
    for samples, sr in synthesize_chunks(engine, job.chunks, job.voice, job.language):
        samples = np.asarray(samples, dtype=np.float32).reshape(-1)
        if rate is None:
            rate = int(sr)
        elif int(sr) != rate:
            raise EngineError(f"The engine changed sample rate within a turn ({rate} then {sr} Hz).")
        if parts and job.gap > 0 and len(samples):
            parts.append(np.zeros(int(round(job.gap * rate)), dtype=np.float32))
        if len(samples):
            parts.append(samples)
    if rate is None:
        raise EngineError("Nothing to synthesize.")
    audio = np.concatenate(parts) if parts else np.zeros(0, dtype=np.float32)
    return np.ascontiguousarray(audio, dtype=np.float32), rate


def error_text(e: BaseException) -> str:
    """A failure as one line: a VoicerError's own sentence, else the type and message."""
    if isinstance(e, VoicerError):
        return str(e)
    return f"{type(e).__name__}: {e}"


def _seeded(engine: Engine) -> None:
    seed = getattr(engine, "seed", None)
    if callable(seed):
        seed(SEED)


def run_job(engine: Engine, job: TurnJob, isolate: bool) -> TurnResult:
    """One job in this process, or in a fresh fork when `isolate` (then the engine's
    generator is seeded first: a library seeded from the clock at load, as eSpeak NG is,
    must be given the same seed in every fresh process); never raises."""

    def work() -> tuple[np.ndarray, int]:
        if isolate:
            _seeded(engine)
        return speak_turn(engine, job)

    try:
        samples, rate = run_isolated(work) if isolate else work()
    except Exception as e:  # one turn's failure must not end the others
        return TurnResult(job, error=error_text(e))
    return TurnResult(job, samples, rate)


def run_isolated(fn: Callable[[], T]) -> T:
    """Run `fn` in a forked child and return its result. Exceptions come back as
    `EngineError` with the child's message; a crash of the child is reported, not fatal.

    Why (measured on eSpeak NG 1.52): the library seeds its noise generator from the
    clock, and even with the seed fixed a call's output depends on what the process
    synthesized before; re-initializing does not reset it. A child forked from a
    process that loaded the library but never spoke gives the same samples every time.
    """
    read_fd, write_fd = os.pipe()
    pid = os.fork()
    if pid == 0:  # child: never returns
        code = 0
        try:
            os.close(read_fd)
            try:
                result: tuple[str, Any] = ("ok", fn())
            except BaseException as e:  # everything goes back to the parent as text
                result = ("error", error_text(e))
            with os.fdopen(write_fd, "wb") as f:
                f.write(pickle.dumps(result, protocol=pickle.HIGHEST_PROTOCOL))
        except BaseException:
            code = 1
        finally:
            os._exit(code)
    global _CHILD
    os.close(write_fd)
    _CHILD = pid
    try:
        with os.fdopen(read_fd, "rb") as f:
            data = f.read()
    finally:
        _, status = os.waitpid(pid, 0)
        _CHILD = None
    if not data:
        if os.WIFSIGNALED(status):
            sig: int | str = os.WTERMSIG(status)
            with contextlib.suppress(ValueError):
                sig = signal.Signals(sig).name
            raise EngineError(f"The engine crashed ({sig}) on this text.")
        raise EngineError(f"The engine's process ended without a result (exit status {status}).")
    kind, payload = pickle.loads(data)
    if kind == "error":
        raise EngineError(payload)
    return payload


# ------------------------------------------------------------- choosing a pool


def can_ship(engine: Engine) -> bool:
    """True when the engine can be sent to a worker process (pickled and re-imported there)."""
    if type(engine).__module__ == "__main__":
        return False  # the worker could not import the class
    try:
        pickle.dumps(engine)
    except Exception:
        return False
    return True


def default_workers(engine: Engine) -> int:
    """Turns at a time that suit the engine: one per model replica on a GPU (its
    `preferred_workers`, default 1), else its preferred count, else one per CPU core."""
    if _on_gpu(engine):
        return max(1, engine.traits.preferred_workers or 1)
    return engine.traits.preferred_workers or max(1, os.cpu_count() or 1)


def _on_gpu(engine: Engine) -> bool:
    return engine.traits.uses_gpu or getattr(engine, "device", "cpu") != "cpu"


def _fresh(engine: Engine, isolate: bool | None) -> bool:
    """Each turn in a fresh fork: the engine needs it (or the caller asks), and fork exists."""
    wanted = engine.traits.determinism == "fresh-process" if isolate is None else isolate
    return wanted and hasattr(os, "fork")


def pool_kind(engine: Engine, workers: int, isolate: bool | None = None) -> str:
    """Which pool runs `engine`'s turns (see the module docstring)."""
    fresh = _fresh(engine, isolate) and not _on_gpu(engine)
    if not can_ship(engine) or (workers <= 1 and not fresh):
        return "in-process"  # one model kept busy here (a GPU with one replica, a single worker)
    return "fresh-process" if fresh else "workers"


def open_pool(
    engine: Engine, *, workers: int | None = None, isolate: bool | None = None, jobs: int | None = None
) -> TurnPool:
    """The pool that runs `engine`'s turns, chosen from its traits.

    `workers`: turns at a time (default `default_workers`); `isolate`: force (True) or
    forbid (False) a fresh fork per turn (default: the engine's `determinism`);
    `jobs`: how many turns there are, when known (no more workers than turns)."""
    n = workers or default_workers(engine)
    if _on_gpu(engine):
        n = min(n, default_workers(engine))  # one worker per model replica the accelerator holds
    if jobs is not None:
        n = max(1, min(n, jobs))
    kind = pool_kind(engine, n, isolate)
    if kind == "in-process":
        return InProcessPool(engine, isolate=_fresh(engine, isolate) and not _on_gpu(engine))
    return ProcessPool(engine, n, isolate=kind == "fresh-process")


# ------------------------------------------------------------------ the pools


class _Run:
    """A `PoolRun` over a generator that checks `cancelled` before starting a job."""

    def __init__(self, make: Callable[[_Run], Iterator[TurnResult]]) -> None:
        self.cancelled = False
        self._it = make(self)

    def __iter__(self) -> Iterator[TurnResult]:
        return self._it

    def cancel(self) -> None:
        self.cancelled = True


class InProcessPool:
    """Turns run here, one after another (the engine stays loaded in this process)."""

    kind = "in-process"
    workers = 1

    def __init__(self, engine: Engine, *, isolate: bool = False) -> None:
        self.engine = engine
        self.isolate = isolate

    def run(self, jobs: Iterable[TurnJob]) -> PoolRun:
        def results(run: _Run) -> Iterator[TurnResult]:
            for job in jobs:
                if run.cancelled:
                    return
                yield run_job(self.engine, job, self.isolate)

        return _Run(results)

    def close(self) -> None:
        pass

    def __enter__(self) -> InProcessPool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


# Worker-process side: the engine the initializer received.
_ENGINE: Any = None
_ISOLATE = False


def _end_worker(signum: int, frame: Any) -> None:
    """SIGTERM from the parent (closing the pool): the turn's child goes too, at once."""
    if _CHILD is not None:
        with contextlib.suppress(OSError):
            os.kill(_CHILD, signal.SIGKILL)
    os._exit(128 + signum)


def _unblock_result_reader(executor: Any, procs: list[Any]) -> None:
    """A worker ended while writing its result leaves half a message in the result pipe;
    the executor's manager thread would wait for the rest forever (measured: 2 hangs in
    12 SIGTERMs under load). Once every worker is gone, closing this process's copy of
    the pipe's write end turns that wait into EOF, which the manager treats as a broken
    pool, and it exits."""
    if any(p.is_alive() for p in procs):
        return
    writer = getattr(getattr(executor, "_result_queue", None), "_writer", None)
    if writer is not None:
        with contextlib.suppress(Exception):
            writer.close()


def _init_worker(engine: Engine, isolate: bool, threads: int | None) -> None:
    global _ENGINE, _ISOLATE
    # Ctrl-C and SIGTERM end the worker quietly: the parent reports the interruption.
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    signal.signal(signal.SIGTERM, _end_worker)
    if threads:
        for var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
            os.environ.setdefault(var, str(threads))  # this worker's own environment
    _ENGINE, _ISOLATE = engine, isolate
    if isolate:
        with contextlib.suppress(Exception):  # the children report the real error per turn
            engine.available()  # load the library once here; children inherit it unused


def _worker_job(job: TurnJob) -> TurnResult:
    return run_job(_ENGINE, job, _ISOLATE)


def _quiet_stdout() -> None:
    """Engines that print (Coqui does) write to stderr, not to a stdout someone may parse."""
    import sys

    with contextlib.suppress(Exception):
        sys.stdout.flush()
        os.dup2(sys.stderr.fileno(), sys.stdout.fileno())


def _init_worker_quiet(engine: Engine, isolate: bool, threads: int | None) -> None:
    _quiet_stdout()
    _init_worker(engine, isolate, threads)


@contextlib.contextmanager
def _main_hidden() -> Iterator[None]:
    """While a worker starts, `__main__` looks like an interactive session's, so the new
    process does not import it (multiprocessing would run the caller's script again)."""
    import sys

    main = sys.modules.get("__main__")
    if main is None:
        yield
        return
    saved = {k: main.__dict__[k] for k in ("__file__", "__spec__") if k in main.__dict__}
    main.__dict__.pop("__file__", None)
    main.__dict__["__spec__"] = None
    try:
        yield
    finally:
        main.__dict__.pop("__spec__", None)
        main.__dict__.update(saved)


class _NoMainSpawnProcess(SpawnProcess):
    @staticmethod
    def _Popen(process_obj: Any) -> Any:
        with _main_hidden():
            return SpawnProcess._Popen(process_obj)


class _NoMainSpawnContext(SpawnContext):
    """A "spawn" multiprocessing context whose processes never re-import `__main__`."""

    Process = _NoMainSpawnProcess


def _spawn_context() -> Any:
    return _NoMainSpawnContext()


_DIED = "the synthesis worker process died on this turn"
_BROKEN_POLL_S = 1.0
"""How often a wait for results also checks whether the executor broke."""


def _outcome(future: Future[TurnResult], job: TurnJob) -> TurnResult | None:
    """A finished job's result; None when its worker died before the result came
    back (or it never ran)."""
    from concurrent.futures.process import BrokenProcessPool

    if not future.done() or future.cancelled():
        return None
    error = future.exception()
    if error is None:
        return future.result()
    if isinstance(error, BrokenProcessPool):
        return None
    return TurnResult(job, error=error_text(error))  # e.g. a result that could not be sent back


class ProcessPool:
    """`workers` long-lived processes, each holding one engine; with `isolate`, each
    forks a fresh child per turn from a never-used engine state."""

    def __init__(self, engine: Engine, workers: int, *, isolate: bool = False) -> None:
        self.engine = engine
        self.workers = workers
        self.isolate = isolate
        self.kind = "fresh-process" if isolate else "workers"
        self._executor: Any = None

    def _start(self) -> Any:
        from concurrent.futures import ProcessPoolExecutor

        threads = self.engine.traits.threads_per_worker
        if threads is None and not self.isolate:
            threads = max(1, (os.cpu_count() or 1) // self.workers)
        return ProcessPoolExecutor(
            max_workers=self.workers,
            mp_context=_spawn_context(),
            initializer=_init_worker_quiet,
            initargs=(self.engine, self.isolate, threads),
        )

    def run(self, jobs: Iterable[TurnJob]) -> PoolRun:
        return _Run(lambda run: self._results(run, deque(jobs)))

    def _results(self, run: _Run, pending: deque[TurnJob]) -> Iterator[TurnResult]:
        """Keep `workers` jobs in flight. A worker that dies (a crash in an engine's
        library) breaks the executor, whenever it happens: while another worker's result
        is in the pipe, while the caller handles a result, or between two submissions.
        Then the executor is stopped, the results that did arrive are kept, and the jobs
        it lost are retried one at a time in a new one, so only the job that crashes a
        worker on its own fails, and every other job ends with its real result."""
        suspects: deque[TurnJob] = deque()
        in_flight: dict[Future[TurnResult], TurnJob] = {}
        while in_flight or ((pending or suspects) and not run.cancelled):
            alone = bool(suspects)  # a suspect runs with nothing beside it
            queue, limit = (suspects, 1) if alone else (pending, self.workers)
            broken = not self._submit(run, queue, limit, in_flight)
            if not broken:
                for future in self._wait(in_flight):
                    result = _outcome(future, in_flight[future])
                    if result is None:
                        broken = True  # it died with its executor: handled below
                        continue
                    del in_flight[future]
                    yield result
                broken = broken or bool(getattr(self._executor, "_broken", False))
            if not broken:
                continue
            lost: list[TurnJob] = []
            self.close()  # after this, the executor has settled every job it held
            for future, job in in_flight.items():
                result = _outcome(future, job)
                if result is None:
                    future.cancel()
                    lost.append(job)
                else:
                    yield result  # it finished before the worker died: a real result
            in_flight.clear()
            if alone and len(lost) == 1:
                yield TurnResult(lost[0], error=_DIED)
            else:
                suspects.extend(lost)

    def _submit(
        self, run: _Run, queue: deque[TurnJob], limit: int, in_flight: dict[Future[TurnResult], TurnJob]
    ) -> bool:
        """Put jobs from `queue` in flight up to `limit`; False when the executor is
        broken (a worker died since the last look): the job it refused goes back to the
        front of its queue, as it never reached a worker."""
        from concurrent.futures.process import BrokenProcessPool

        if self._executor is None:
            self._executor = self._start()
        while queue and not run.cancelled and len(in_flight) < limit:
            job = queue.popleft()
            try:
                future = self._executor.submit(_worker_job, job)
            except BrokenProcessPool:
                queue.appendleft(job)
                return False
            in_flight[future] = job
        return True

    def _wait(self, in_flight: dict[Future[TurnResult], TurnJob]) -> set[Future[TurnResult]]:
        """The jobs finished so far, at least one, or none once the executor is broken.
        (A job submitted at the very moment a worker dies can be left unsettled by the
        executor, so a broken executor is also looked for while waiting.)"""
        from concurrent.futures import FIRST_COMPLETED, wait

        while in_flight:
            done, _ = wait(in_flight, timeout=_BROKEN_POLL_S, return_when=FIRST_COMPLETED)
            if done or getattr(self._executor, "_broken", False):
                return done
        return set()

    def close(self) -> None:
        """End the workers now (turns still running are abandoned)."""
        executor, self._executor = self._executor, None
        if executor is None:
            return
        # Stop the workers first: waiting for a long turn on Ctrl-C or SIGTERM would
        # leave the user staring at a frozen terminal.
        procs = list((getattr(executor, "_processes", None) or {}).values())
        for proc in procs:
            with contextlib.suppress(Exception):
                proc.terminate()
        for proc in procs:
            with contextlib.suppress(Exception):
                proc.join(timeout=5)
                if proc.is_alive():
                    proc.kill()
                    proc.join(timeout=5)
        _unblock_result_reader(executor, procs)
        manager = getattr(executor, "_executor_manager_thread", None)
        with contextlib.suppress(Exception):
            executor.shutdown(wait=True, cancel_futures=True)
        if manager is not None:
            # Its last act marks the jobs it held; a broken executor's returns on its own.
            manager.join(timeout=10)

    def __enter__(self) -> ProcessPool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

