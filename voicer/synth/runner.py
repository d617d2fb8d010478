"""Synthesize scripts turn by turn: cache lookup, then the misses through a turn pool.

Render decides *what* runs (one job per turn; a turn already in the cache, or
identical to another, is not run again); the pool from `voicer.engines.pool`
decides *how* (in this process, long-lived workers, or a fresh fork per turn),
from the engine's traits. Every finished turn is written to the cache at once, so
a killed render loses at most the turns in flight.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..engines import TurnJob, TurnPool, TurnResult, open_pool
from ..errors import RenderError
from ..model import Script, TurnAudio, Voice
from .cache import TurnCache
from .jobs import plan_jobs
from .outcome import RenderOutcome, TurnFailure
from .progress import ProgressCallback, ProgressEvent
from .settings import RenderSettings

if TYPE_CHECKING:
    import numpy as np

    from ..engines import Engine


def resolve_engine(engine: Engine | str, voices: dict[str, Voice], settings: RenderSettings) -> Engine:
    if not isinstance(engine, str):
        return engine
    from ..engines import get_engine

    return get_engine(
        engine,
        device=settings.device,
        voices=voices,
        agree_coqui_license=settings.agree_coqui_license,
        gpu_workers=settings.gpu_workers,
        precision=settings.precision,
    )


def synthesize_script(
    script: Script,
    *,
    engine: Engine | str,
    voices: dict[str, Voice],
    settings: RenderSettings | None = None,
    progress: ProgressCallback | None = None,
    lexicon: Any = None,
    pool: TurnPool | None = None,
    **knobs: Any,
) -> RenderOutcome:
    """Synthesize every turn of `script`, reusing cached turns: `render_scripts([script])[0]`.

    Knobs of `RenderSettings` may also be given by name (``workers=2, keep_going=True``).
    """
    return render_scripts(
        [script], engine=engine, voices=voices, settings=settings, progress=progress,
        lexicon=lexicon, pool=pool, **knobs,
    )[0]


def render_scripts(
    scripts: Sequence[Script],
    *,
    engine: Engine | str,
    voices: dict[str, Voice],
    settings: RenderSettings | None = None,
    progress: ProgressCallback | None = None,
    lexicon: Any = None,
    pool: TurnPool | None = None,
    **knobs: Any,
) -> list[RenderOutcome]:
    """Synthesize every turn of several scripts with one engine and one pool (a batch
    of episodes shares one loaded model; a turn that several scripts share is
    synthesized once). One `RenderOutcome` per script, in order.

    `engine`: an Engine, or a name for `voicer.engines.get_engine` (closed afterwards;
    a caller's engine and a caller's `pool` stay the caller's). `voices`: presets by
    name. `progress`: called with a `ProgressEvent` at the start, after each turn and
    at the end. Raises `RenderError` naming the chapter, turn and text of the first
    failed turn unless `settings.keep_going` (turns finished before it stay cached),
    `VoiceError`/`InputError` for an unknown voice or host, before any synthesis.
    """
    if settings is None or knobs:
        from dataclasses import replace

        settings = replace(settings or RenderSettings(), **knobs)
    eng = resolve_engine(engine, voices, settings)
    try:
        return _Render(list(scripts), eng, voices, settings, progress, lexicon).run(pool)
    finally:
        if isinstance(engine, str):
            eng.close()


@dataclass
class _Turn:
    """Where one job's audio goes: which script, which turn."""

    episode: int
    index: int
    chapter: int
    turn: int


class _Render:
    """The bookkeeping of one render: jobs, cache hits, copies, failures, progress."""

    def __init__(
        self,
        scripts: list[Script],
        engine: Engine,
        voices: dict[str, Voice],
        settings: RenderSettings,
        progress: ProgressCallback | None,
        lexicon: Any,
    ) -> None:
        self.started = time.perf_counter()
        self.scripts, self.engine, self.settings = scripts, engine, settings
        self.cache = TurnCache(settings.cache_dir)
        self.cache.remove_stale_temps()
        self.turns = [s.turns() for s in scripts]
        self.jobs: list[list[TurnJob | None]] = []
        self.failures: list[list[TurnFailure]] = []
        for episode, script in enumerate(scripts):  # every voice and host is checked before any work
            jobs, failures = plan_jobs(
                script, engine, voices, lexicon=lexicon, gap=settings.chunk_gap, episode=episode
            )
            self.jobs.append(jobs)
            self.failures.append(failures)
        first = next((f for fs in self.failures for f in fs), None)
        if first is not None and not settings.keep_going:
            raise RenderError(f"Cannot prepare the text of {first.where()}: {first.error}; fix that turn.")
        self.results: list[list[tuple[np.ndarray, int] | None]] = [[None] * len(t) for t in self.turns]
        self.copies: dict[str, list[TurnJob]] = {}
        self.failed_jobs: list[tuple[TurnJob, str]] = []
        self.counts = [_Counts() for _ in scripts]
        self.state = _Progress(total=sum(len(t) for t in self.turns), started=self.started, callback=progress)
        self.state.failed = sum(len(f) for f in self.failures)
        self.state.remaining_chars = sum(j.chars for js in self.jobs for j in js if j is not None)

    # ---------------------------------------------------------------- steps

    def run(self, pool: TurnPool | None) -> list[RenderOutcome]:
        self.state.emit("start")
        misses = self._take_cached()
        self.state.synth_started = time.perf_counter()
        kind, workers = "in-process", 1
        if misses:
            own = pool is None
            pool = pool or open_pool(
                self.engine, workers=self.settings.workers, isolate=self.settings.isolate, jobs=len(misses)
            )
            kind, workers = pool.kind, pool.workers
            try:
                self._synthesize(pool, misses)
            finally:
                if own:
                    pool.close()
        self._account_for_the_rest(misses)
        self._raise_first_failure()
        self.state.emit("finish")
        return [self._outcome(e, kind, workers) for e in range(len(self.scripts))]

    def _take_cached(self) -> list[TurnJob]:
        """Report cache hits and empty turns first (they cost nothing and tell the ETA
        what is left); identical turns (a repeated "对。") are synthesized once and the
        copies count as reused. Returns the jobs to synthesize."""
        misses: list[TurnJob] = []
        for episode, jobs in enumerate(self.jobs):
            failed = {(f.chapter, f.turn) for f in self.failures[episode]}
            for index, job in enumerate(jobs):
                ci, ti, _ = self.turns[episode][index]
                if job is None:
                    if (ci, ti) not in failed:
                        self.counts[episode].empty += 1
                        self._turn_done(_Turn(episode, index, ci, ti), "empty", 0.0)
                    continue
                if job.key in self.copies:
                    self.copies[job.key].append(job)
                    continue
                hit = self.cache.get(job.key)
                if hit is None:
                    misses.append(job)
                    self.copies[job.key] = []
                    continue
                self._store(job, hit, "reused")
        return misses

    def _synthesize(self, pool: TurnPool, misses: list[TurnJob]) -> None:
        run = pool.run(misses)
        stopping = False
        for result in run:
            if result.ok:
                self.cache.put(result.job.key, result.samples, result.sample_rate)  # type: ignore[arg-type]
            if not self._finish(result) and not stopping:
                # Start no new turns; the running ones still finish (and are cached).
                stopping = True
                run.cancel()

    def _finish(self, result: TurnResult) -> bool:
        """Record one synthesized turn; False when the render must stop."""
        job = result.job
        self.state.remaining_chars -= job.chars
        if result.ok:
            # Read back what was stored, so this render gives exactly what a resume would.
            audio = self.cache.get(job.key) or (result.samples, result.sample_rate)
            self._store(job, audio, "synthesized")
            for copy in self.copies.get(job.key, []):
                self._store(copy, audio, "reused")
            return True
        for failed in [job, *self.copies.get(job.key, [])]:
            self.failed_jobs.append((failed, str(result.error)))
            self.state.failed += 1
            if failed is not job:
                self.state.remaining_chars -= failed.chars
            self._turn_done(self._where(failed), "failed", 0.0)
        return self.settings.keep_going

    def _store(self, job: TurnJob, audio: tuple[np.ndarray, int], status: str) -> None:
        self.results[job.episode][job.index] = audio
        counts = self.counts[job.episode]
        if status == "synthesized":
            counts.synthesized += 1
            self.state.synthesized += 1
            self.state.synth_chars += job.chars
        else:
            counts.reused += 1
            self.state.reused += 1
            self.state.remaining_chars -= job.chars
        samples, rate = audio
        self._turn_done(self._where(job), status, len(samples) / rate)

    def _account_for_the_rest(self, misses: list[TurnJob]) -> None:
        """Never hand back silence for a turn nobody reported on."""
        reported = {(j.episode, j.index) for j, _ in self.failed_jobs}
        for job in misses + [c for group in self.copies.values() for c in group]:
            if (
                self.results[job.episode][job.index] is None
                and (job.episode, job.index) not in reported
                and (self.settings.keep_going or not self.failed_jobs)
            ):
                self.failed_jobs.append((job, "the turn was not synthesized"))
                self.state.failed += 1

    def _all_failures(self, episode: int) -> list[TurnFailure]:
        script = self.scripts[episode]
        failures = list(self.failures[episode])
        for job, message in self.failed_jobs:
            if job.episode == episode:
                ci, ti, turn = self.turns[episode][job.index]
                failures.append(TurnFailure(ci, ti, script.chapters[ci].title, turn.text, message))
        return sorted(failures, key=lambda f: (f.chapter, f.turn))

    def _raise_first_failure(self) -> None:
        if self.settings.keep_going:
            return
        for episode in range(len(self.scripts)):
            failures = self._all_failures(episode)
            if failures:
                f = failures[0]
                where = f.where()
                if len(self.scripts) > 1:
                    where += f" of '{self.scripts[episode].title}'"
                raise RenderError(
                    f"The engine failed on {where}: {f.error.rstrip('.')}; fix that turn or its voice "
                    f"and render again (finished turns are cached), or use --keep-going to skip it."
                )

    def _outcome(self, episode: int, kind: str, workers: int) -> RenderOutcome:
        import numpy as np

        results = self.results[episode]
        rates = [r[1] for r in results if r is not None]
        default_rate = rates[0] if rates else int(self.engine.traits.sample_rate)
        silence = (np.zeros(0, dtype=np.float32), default_rate)
        audio = [
            TurnAudio(ci, ti, *(results[i] if results[i] is not None else silence))
            for i, (ci, ti, _) in enumerate(self.turns[episode])
        ]
        counts = self.counts[episode]
        return RenderOutcome(
            audio=audio,
            reused=counts.reused,
            synthesized=counts.synthesized,
            failed=self._all_failures(episode),
            empty=counts.empty,
            elapsed=time.perf_counter() - self.started,
            workers=workers,
            cache_dir=self.cache.directory,
            pool=kind,
        )

    # -------------------------------------------------------------- helpers

    def _where(self, job: TurnJob) -> _Turn:
        ci, ti, _ = self.turns[job.episode][job.index]
        return _Turn(job.episode, job.index, ci, ti)

    def _turn_done(self, where: _Turn, status: str, seconds: float) -> None:
        title = self.scripts[where.episode].chapters[where.chapter].title
        self.state.turn_done(where, title, status, seconds)


@dataclass
class _Counts:
    reused: int = 0
    synthesized: int = 0
    empty: int = 0


@dataclass
class _Progress:
    """Running counts for progress events (over every script of the render)."""

    total: int
    started: float
    callback: ProgressCallback | None
    done: int = 0
    reused: int = 0
    synthesized: int = 0
    failed: int = 0
    audio_seconds: float = 0.0
    remaining_chars: int = 0
    synth_chars: int = 0
    synth_started: float | None = None

    def eta(self) -> float | None:
        if self.done >= self.total:
            return 0.0
        if not self.synth_chars or self.synth_started is None:
            return None
        rate = self.synth_chars / max(1e-9, time.perf_counter() - self.synth_started)
        return max(0.0, self.remaining_chars) / rate

    def turn_done(self, where: _Turn, title: str, status: str, seconds: float) -> None:
        self.done += 1
        self.audio_seconds += seconds
        self.emit("turn", where, title, status)

    def emit(
        self, kind: str, where: _Turn | None = None, title: str | None = None, status: str | None = None
    ) -> None:
        if self.callback is None:
            return
        self.callback(
            ProgressEvent(
                kind=kind,
                done=self.done,
                total=self.total,
                reused=self.reused,
                synthesized=self.synthesized,
                failed=self.failed,
                audio_seconds=self.audio_seconds,
                elapsed=time.perf_counter() - self.started,
                eta=self.eta(),
                chapter=where.chapter if where else None,
                turn=where.turn if where else None,
                chapter_title=title,
                status=status,
                episode=where.episode if where else None,
            )
        )
