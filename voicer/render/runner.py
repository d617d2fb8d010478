"""Render a Script turn by turn: cache lookup, then synthesis of the misses.

How the misses are synthesized:
- an engine on a GPU: in this process, one turn after another, so the model
  stays loaded and busy (one worker holding the model);
- a *stateful* engine on the CPU (eSpeak NG: its output depends on what the
  process synthesized before, and its noise generator is seeded from the clock;
  measured, see `isolated.py`): one worker process (`worker.py`) that loads the
  library and forks a fresh child per turn, `workers` turns at a time (default:
  all cores), so a turn's audio depends only on its text and voice, whatever the
  number of workers, the order, or a resume;
- another engine on the CPU: `workers` worker processes (default 1 for Coqui,
  whose torch already uses every core), each keeping its engine loaded.

Every finished turn is written to the cache at once, so a killed render loses
at most the turns in flight.
"""

from __future__ import annotations

import os
import pickle
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from ..errors import EngineError, InputError, RenderError, VoiceError, VoicerError
from ..model import Script, TurnAudio, Voice
from .cache import TurnCache
from .isolated import run_isolated, seed_engine
from .progress import ProgressCallback, ProgressEvent

if TYPE_CHECKING:
    from ..engines.base import Engine

DEFAULT_CHUNK_GAP = 0.12
"""Seconds of silence between the chunks of one turn (chunks end at clause boundaries)."""


# ------------------------------------------------------------------ results


@dataclass
class TurnFailure:
    """A turn the engine could not speak (indices are 0-based, as in `TurnAudio`)."""

    chapter: int
    turn: int
    chapter_title: str
    text: str
    error: str

    def where(self) -> str:
        """Human words for the turn: chapter and turn numbered from 1, start of the text."""
        start = " ".join(self.text.split())
        start = start if len(start) <= 40 else start[:40] + "…"
        return f'chapter {self.chapter + 1} ("{self.chapter_title}"), turn {self.turn + 1} ("{start}")'


@dataclass
class RenderOutcome:
    """What `synthesize_script` produced."""

    audio: list[TurnAudio]
    """One per turn, in script order; empty and failed turns have zero samples."""
    reused: int = 0
    """Turns taken from the cache."""
    synthesized: int = 0
    """Turns synthesized now (and written to the cache)."""
    failed: list[TurnFailure] = field(default_factory=list)
    empty: int = 0
    """Turns with nothing to speak (only markers)."""
    elapsed: float = 0.0
    """Seconds the render took."""
    workers: int = 1
    """Turns synthesized at the same time."""
    cache_dir: Path | None = None

    @property
    def audio_seconds(self) -> float:
        return sum(len(a.samples) / a.sample_rate for a in self.audio if a.sample_rate)

    def summary(self) -> str:
        """One line for the CLI, e.g. "120 turns: 119 reused, 1 synthesized (10.3 min of audio, 4.2 s)"."""
        total = len(self.audio)
        parts = [f"{self.reused} reused", f"{self.synthesized} synthesized"]
        if self.empty:
            parts.append(f"{self.empty} empty")
        if self.failed:
            parts.append(f"{len(self.failed)} failed")
        return (
            f"{total} turns: {', '.join(parts)} "
            f"({self.audio_seconds / 60:.1f} min of audio, {self.elapsed:.1f} s)"
        )


# --------------------------------------------------------------------- jobs


@dataclass(frozen=True)
class _Job:
    """One turn to render; picklable, so it can go to a worker process."""

    index: int
    chapter: int
    turn: int
    chunks: tuple[str, ...]
    voice: Voice
    language: str
    key: str

    @property
    def chars(self) -> int:
        return sum(len(c) for c in self.chunks)


def _prepare_fn() -> Callable[..., list[str]]:
    from ..text import prepare  # jieba and friends load on first use

    return prepare


def _synthesize_chunks(
    engine: Engine, chunks: Sequence[str], voice: Voice, language: str, gap: float
) -> tuple[np.ndarray, int]:
    """Speak each chunk and join them with `gap` seconds of silence."""
    parts: list[np.ndarray] = []
    rate: int | None = None
    for chunk in chunks:
        samples, sr = engine.synthesize(chunk, voice, language)
        samples = np.asarray(samples, dtype=np.float32).reshape(-1)
        if rate is None:
            rate = int(sr)
        elif int(sr) != rate:
            raise EngineError(f"The engine changed sample rate within a turn ({rate} then {sr} Hz).")
        if parts and gap > 0 and len(samples):
            parts.append(np.zeros(int(round(gap * rate)), dtype=np.float32))
        if len(samples):
            parts.append(samples)
    if rate is None:
        raise EngineError("Nothing to synthesize.")
    audio = np.concatenate(parts) if parts else np.zeros(0, dtype=np.float32)
    return np.ascontiguousarray(audio, dtype=np.float32), rate


def _error_text(e: BaseException) -> str:
    if isinstance(e, VoicerError):
        return str(e)
    return f"{type(e).__name__}: {e}"


def _run_job(
    engine: Engine, job: _Job, gap: float, isolate: bool
) -> tuple[str, tuple[np.ndarray, int] | str]:
    """("ok", (samples, rate)) or ("error", message): errors travel as text so any
    exception (even an unpicklable one) reaches the main process."""

    def work() -> tuple[np.ndarray, int]:
        if isolate:
            seed_engine(engine)
        return _synthesize_chunks(engine, job.chunks, job.voice, job.language, gap)

    try:
        if isolate:
            return "ok", run_isolated(work)
        return "ok", work()
    except Exception as e:  # one turn's failure must not end the others
        return "error", _error_text(e)


# ------------------------------------------------------------------ engine


def _resolve_engine(engine: Engine | str, voices: dict[str, Voice], device: str) -> Engine:
    if isinstance(engine, str):
        from ..engines import get_engine

        return get_engine(engine, device=device, voices=voices)
    return engine


def _is_stateful(engine: Engine) -> bool:
    flag = getattr(engine, "stateful", None)
    if flag is not None:
        return bool(flag)
    return getattr(engine, "name", "") == "offline"  # eSpeak NG: measured, see isolated.py


def _default_workers(engine: Engine) -> int:
    if getattr(engine, "device", "cpu") != "cpu":
        return 1
    if getattr(engine, "name", "") == "coqui":
        # torch already spreads one model over every core; more copies only cost memory.
        return 1
    return max(1, os.cpu_count() or 1)


# -------------------------------------------------------------- the render


def _voice_for(script: Script, speaker: str, voices: dict[str, Voice], where: str) -> Voice:
    try:
        host = script.host(speaker)
    except KeyError:
        raise InputError(
            f"{where} is spoken by '{speaker}', who is not one of the script's hosts; "
            f"fix the speaker label or add the host to the script's front matter."
        ) from None
    voice = voices.get(host.voice)
    if voice is None:
        raise VoiceError(
            f"Host {host.id} uses the unknown voice '{host.voice}'; "
            f"pick one listed by `voicer voices` or add a preset file."
        )
    return voice


def plan_jobs(
    script: Script,
    engine: Engine,
    voices: dict[str, Voice],
    *,
    lexicon: Any = None,
    gap: float = DEFAULT_CHUNK_GAP,
) -> tuple[list[_Job | None], list[TurnFailure]]:
    """One job per turn (None for a turn with nothing to speak) and the turns whose
    text could not be prepared."""
    from .cache import cache_key

    prepare = _prepare_fn()
    max_chars = engine.max_chars(script.language)
    identities: dict[str, dict[str, Any]] = {}
    jobs: list[_Job | None] = []
    failures: list[TurnFailure] = []
    for index, (ci, ti, turn) in enumerate(script.turns()):
        where = f"Turn {ti + 1} of chapter {ci + 1}"
        voice = _voice_for(script, turn.speaker, voices, where)
        if voice.name not in identities:
            identities[voice.name] = engine.identity(voice)  # VoiceError: a preset problem, for all turns
        try:
            chunks = tuple(c for c in prepare(turn.text, script.language, max_chars, lexicon) if c.strip())
        except Exception as e:
            title = script.chapters[ci].title
            failures.append(TurnFailure(ci, ti, title, turn.text, _error_text(e)))
            jobs.append(None)
            continue
        if not chunks:
            jobs.append(None)
            continue
        key = cache_key(identities[voice.name], script.language, chunks, gap)
        jobs.append(_Job(index, ci, ti, chunks, voice, script.language, key))
    return jobs, failures


def synthesize_script(
    script: Script,
    *,
    engine: Engine | str,
    voices: dict[str, Voice],
    cache_dir: str | os.PathLike[str] | None = None,
    workers: int | None = None,
    progress: ProgressCallback | None = None,
    keep_going: bool = False,
    lexicon: Any = None,
    device: str = "auto",
    chunk_gap: float = DEFAULT_CHUNK_GAP,
    isolate: bool | None = None,
) -> RenderOutcome:
    """Synthesize every turn of `script`, reusing cached turns.

    `engine`: an Engine, or a name for `voicer.engines.get_engine` ("auto",
    "offline", "coqui"; `device` goes with it). `voices`: presets by name
    (`voicer.engines.load_voices()`). `cache_dir`: default `$VOICER_CACHE_DIR` or
    the user cache folder. `workers`: processes for CPU engines (default: all
    cores; 1 for Coqui and GPU engines). `progress`: called with a
    `ProgressEvent` at the start, after each turn and at the end.
    `keep_going`: a turn that fails is reported in `.failed` (zero samples)
    instead of raising `RenderError`. `isolate`: synthesize each turn in a fresh
    fork (default: for stateful engines such as eSpeak NG, where fork exists).

    Raises `RenderError` naming the chapter, turn and text of the first failed
    turn (turns finished before it stay in the cache), `VoiceError`/`InputError`
    for an unknown voice or host.
    """
    if workers is not None and workers < 1:
        raise RenderError(f"Use one worker or more (got {workers}).")
    eng = _resolve_engine(engine, voices, device)
    try:
        return _synthesize(
            script, eng, voices, cache_dir, workers, progress, keep_going, lexicon, chunk_gap, isolate
        )
    finally:
        if isinstance(engine, str):
            eng.close()  # we made it; a caller's engine stays the caller's


def _synthesize(
    script: Script,
    eng: Engine,
    voices: dict[str, Voice],
    cache_dir: str | os.PathLike[str] | None,
    workers: int | None,
    progress: ProgressCallback | None,
    keep_going: bool,
    lexicon: Any,
    chunk_gap: float,
    isolate: bool | None,
) -> RenderOutcome:
    started = time.perf_counter()
    cache = TurnCache(cache_dir)
    cache.remove_stale_temps()
    turns = script.turns()
    total = len(turns)
    jobs, failures = plan_jobs(script, eng, voices, lexicon=lexicon, gap=chunk_gap)
    if failures and not keep_going:
        f = failures[0]
        raise RenderError(f"Cannot prepare the text of {f.where()}: {f.error}; fix that turn.")

    results: list[tuple[np.ndarray, int] | None] = [None] * total
    state = _Progress(total=total, started=started, callback=progress)
    state.failed = len(failures)
    state.remaining_chars = sum(j.chars for j in jobs if j is not None)
    state.emit("start")

    # Cache hits and empty turns first: they cost nothing and tell the ETA what is left.
    misses: list[_Job] = []
    # Identical turns (same text and voice, e.g. a repeated "对。") are synthesized
    # once; the copies count as reused.
    copies: dict[str, list[_Job]] = {}
    for index, job in enumerate(jobs):
        ci, ti, _ = turns[index]
        if job is None:
            if not any(f.chapter == ci and f.turn == ti for f in failures):
                state.empty += 1
                state.turn_done(ci, ti, script.chapters[ci].title, "empty", 0.0)
            continue
        if job.key in copies:
            copies[job.key].append(job)
            continue
        hit = cache.get(job.key)
        if hit is None:
            misses.append(job)
            copies[job.key] = []
            continue
        results[index] = hit
        state.reused += 1
        state.remaining_chars -= job.chars
        state.turn_done(ci, ti, script.chapters[ci].title, "reused", len(hit[0]) / hit[1])

    failed_jobs: list[tuple[_Job, str]] = []

    def finish(job: _Job, status: str, payload: Any) -> bool:
        """Record one synthesized turn; False when the render must stop."""
        title = script.chapters[job.chapter].title
        state.remaining_chars -= job.chars
        if status == "ok":
            samples, rate = payload  # already in the cache
            results[job.index] = payload
            state.synthesized += 1
            state.synth_chars += job.chars
            state.turn_done(job.chapter, job.turn, title, "synthesized", len(samples) / rate)
            for copy in copies.get(job.key, []):
                results[copy.index] = payload
                state.reused += 1
                state.remaining_chars -= copy.chars
                copy_title = script.chapters[copy.chapter].title
                state.turn_done(copy.chapter, copy.turn, copy_title, "reused", len(samples) / rate)
            return True
        for failed in [job, *copies.get(job.key, [])]:
            failed_jobs.append((failed, str(payload)))
            state.failed += 1
            if failed is not job:
                state.remaining_chars -= failed.chars
            state.turn_done(failed.chapter, failed.turn, script.chapters[failed.chapter].title, "failed", 0.0)
        return keep_going

    use_isolation = (_is_stateful(eng) if isolate is None else isolate) and hasattr(os, "fork")
    n_workers = min(workers or _default_workers(eng), max(1, len(misses)))
    on_gpu = getattr(eng, "device", "cpu") != "cpu"
    state.synth_started = time.perf_counter()
    used_workers = 1
    if misses and not on_gpu and (n_workers > 1 or use_isolation) and _can_ship(eng):
        used_workers = n_workers
        _run_workers(eng, misses, n_workers, chunk_gap, use_isolation, cache, finish)
    else:
        # GPU (one model kept busy), or an engine that cannot leave this process.
        for job in misses:
            status, payload = _run_job(eng, job, chunk_gap, use_isolation and not on_gpu)
            if status == "ok":
                samples, rate = payload
                cache.put(job.key, samples, rate)
                # Read back what was stored so this render gives exactly what a resume would.
                payload = cache.get(job.key) or payload
            if not finish(job, status, payload):
                break

    # Never hand back silence for a turn nobody reported on.
    reported = {j.index for j, _ in failed_jobs}
    for job in misses + [c for group in copies.values() for c in group]:
        if results[job.index] is None and job.index not in reported and (keep_going or not failed_jobs):
            failed_jobs.append((job, "the turn was not synthesized"))
            state.failed += 1

    all_failures = failures + [
        TurnFailure(j.chapter, j.turn, script.chapters[j.chapter].title, turns[j.index][2].text, msg)
        for j, msg in failed_jobs
    ]
    all_failures.sort(key=lambda f: (f.chapter, f.turn))
    if all_failures and not keep_going:
        f = all_failures[0]
        raise RenderError(
            f"The engine failed on {f.where()}: {f.error.rstrip('.')}; fix that turn or its voice "
            f"and render again (finished turns are cached), or use --keep-going to skip it."
        )

    rates = [r[1] for r in results if r is not None]
    default_rate = rates[0] if rates else int(getattr(eng, "sample_rate", 22050))
    audio = [
        TurnAudio(
            ci,
            ti,
            results[i][0] if results[i] is not None else np.zeros(0, dtype=np.float32),
            results[i][1] if results[i] is not None else default_rate,
        )
        for i, (ci, ti, _) in enumerate(turns)
    ]
    elapsed = time.perf_counter() - started
    state.emit("finish")
    return RenderOutcome(
        audio=audio,
        reused=state.reused,
        synthesized=state.synthesized,
        failed=all_failures,
        empty=state.empty,
        elapsed=elapsed,
        workers=used_workers,
        cache_dir=cache.directory,
    )


def _can_ship(engine: Engine) -> bool:
    """True when the engine can be sent to a worker process (pickled and re-imported there)."""
    if type(engine).__module__ == "__main__":
        return False  # the worker could not import the class
    try:
        pickle.dumps(engine)
    except Exception:
        return False
    return True


def _run_workers(
    engine: Engine,
    misses: list[_Job],
    n_workers: int,
    gap: float,
    isolate: bool,
    cache: TurnCache,
    finish: Callable[[_Job, str, Any], bool],
) -> None:
    """Synthesize `misses` in worker processes (`voicer.render.worker`); `finish` is
    called in completion order with the audio read back from the cache.

    Stateful engines: one worker forking a child per turn, `n_workers` at a time.
    Others: `n_workers` workers, each keeping its engine loaded, one turn at a time.
    """
    import collections
    import json
    import selectors
    import subprocess
    import sys

    from .worker import write_frame

    n_procs, slots = (1, n_workers) if isolate else (n_workers, 1)
    env = dict(os.environ)
    # The worker must import what this process can (the engine's class, voicer itself).
    env["PYTHONPATH"] = os.pathsep.join(p for p in sys.path if p)
    cmd = [sys.executable, "-m", "voicer.render.worker"]
    procs: list[subprocess.Popen[bytes]] = []
    died = "the synthesis worker process died"
    try:
        accepting: set[int] = set()  # workers that take new turns
        for i in range(n_procs):
            p = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=env)
            procs.append(p)
            assert p.stdin is not None
            try:
                write_frame(p.stdin, ("init", engine, "fork" if isolate else "direct", str(cache.directory)))
                accepting.add(i)
            except OSError:
                pass  # it died at start; its stdout ends and it gets no turns
        pending = collections.deque(misses)
        by_index = {job.index: job for job in misses}
        running: dict[int, set[int]] = {i: set() for i in range(n_procs)}
        buffers = {i: b"" for i in range(n_procs)}
        sel = selectors.DefaultSelector()
        for i, p in enumerate(procs):
            assert p.stdout is not None
            sel.register(p.stdout, selectors.EVENT_READ, i)
        stop = False

        def feed() -> None:
            for i in sorted(accepting):
                stdin = procs[i].stdin
                assert stdin is not None
                while not stop and pending and len(running[i]) < slots:
                    job = pending.popleft()
                    try:
                        write_frame(stdin, ("job", job, gap))
                    except OSError:  # it died; its end of stdout fails its running turns
                        pending.appendleft(job)
                        accepting.discard(i)
                        break
                    running[i].add(job.index)

        def done(job: _Job, msg: dict[str, Any]) -> None:
            nonlocal stop
            if msg.get("ok"):
                hit = cache.get(job.key)
                ok = finish(job, "ok", hit) if hit else finish(job, "error", "the audio was not stored")
            else:
                ok = finish(job, "error", str(msg.get("error", "unknown error")))
            if not ok:
                stop = True

        feed()
        while any(running.values()) or (pending and accepting and not stop):
            for key, _ in sel.select():
                i = key.data
                data = os.read(key.fileobj.fileno(), 1 << 16)  # type: ignore[union-attr]
                if not data:  # the worker ended: turns it still had failed
                    sel.unregister(key.fileobj)
                    accepting.discard(i)
                    for index in sorted(running[i]):
                        done(by_index[index], {"ok": False, "error": died})
                    running[i].clear()
                    continue
                buffers[i] += data
                while b"\n" in buffers[i]:
                    line, buffers[i] = buffers[i].split(b"\n", 1)
                    try:
                        msg = json.loads(line)
                    except ValueError:
                        continue  # not ours (the protocol has its own descriptor; be safe anyway)
                    running[i].discard(msg["index"])
                    done(by_index[msg["index"]], msg)
            if stop:
                pending.clear()  # turns already running finish (and are cached); no new ones
            feed()
        for job in list(pending) if not stop else []:
            done(job, {"ok": False, "error": died})  # no worker left to take it
        for p in procs:
            if p.stdin:
                p.stdin.close()
        for p in procs:
            p.wait()
    except BaseException:
        for p in procs:
            p.kill()
            p.wait()
        raise


@dataclass
class _Progress:
    """Running counts for progress events."""

    total: int
    started: float
    callback: ProgressCallback | None
    done: int = 0
    reused: int = 0
    synthesized: int = 0
    failed: int = 0
    empty: int = 0
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

    def turn_done(self, chapter: int, turn: int, title: str, status: str, seconds: float) -> None:
        self.done += 1
        self.audio_seconds += seconds
        self.emit("turn", chapter, turn, title, status)

    def emit(
        self,
        kind: str,
        chapter: int | None = None,
        turn: int | None = None,
        title: str | None = None,
        status: str | None = None,
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
                chapter=chapter,
                turn=turn,
                chapter_title=title,
                status=status,
            )
        )
