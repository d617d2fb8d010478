"""The turn pool (voicer/engines/pool.py) and several scripts rendered at once: the pool
is chosen from the engine's traits, a crash fails only its turn, cancel stops new work,
any pool can be plugged in, and identical turns across episodes are spoken once."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from dataclasses import replace

import numpy as np
import pytest
from helpers import MONOLOGUE, CrashingEngine

from voicer.engines import load_voices
from voicer.engines.offline import OfflineEngine
from voicer.engines.pool import (
    InProcessPool,
    ProcessPool,
    TurnJob,
    open_pool,
    pool_kind,
)
from voicer.model import Chapter, Host, Script, Turn
from voicer.synth import RenderSettings, render_scripts, synthesize_script


@pytest.fixture(scope="module")
def voices():
    return load_voices()


def _lines(n: int) -> list[str]:
    return [ln.strip() for ln in MONOLOGUE.read_text(encoding="utf-8").splitlines() if ln.strip()][:n]


def _script(lines: list[str], title: str = "节目") -> Script:
    turns = [Turn("A" if i % 2 == 0 else "B", ln) for i, ln in enumerate(lines)]
    hosts = [Host("A", "甲", "zh-female-1"), Host("B", "乙", "zh-male-1")]
    return Script(title, "zh", hosts, [Chapter("一", turns)])


def _jobs(voices, texts: list[str]) -> list[TurnJob]:
    voice = voices["zh-female-1"]
    return [
        TurnJob(key=f"k{i}", chunks=(t,), voice=voice, language="zh", index=i) for i, t in enumerate(texts)
    ]


class _Steady(OfflineEngine):
    """The offline engine declared deterministic in any process (workers keep it loaded)."""

    traits = replace(OfflineEngine.traits, determinism="always")


class _OnGpu(OfflineEngine):
    traits = replace(OfflineEngine.traits, uses_gpu=True, keeps_model_loaded=True, preferred_workers=1)


class _Crashing(CrashingEngine):
    """Dies on one text, and is declared deterministic in any process (kept loaded in workers)."""

    traits = _Steady.traits


class _CrashingLate(_Crashing):
    """Dies a moment into a crashing text (as a library does mid-sentence), so the other
    worker's result usually comes back first and the death lands while it is handled."""

    def synthesize(self, text, voice, language):
        if any(mark in text for mark in self.crash_on):
            import time

            time.sleep(0.2)
        return super().synthesize(text, voice, language)


def test_the_pool_is_chosen_from_traits_not_names():
    assert pool_kind(OfflineEngine(), 2) == "fresh-process"  # determinism="fresh-process"
    assert pool_kind(OfflineEngine(), 1) == "fresh-process"  # still a fresh fork per turn
    assert pool_kind(_Steady(), 2) == "workers"
    assert pool_kind(_Steady(), 1) == "in-process"
    assert pool_kind(_OnGpu(), 1) == "in-process"  # one model kept busy on the accelerator
    assert pool_kind(_OnGpu(), 2) == "workers"  # a worker per model replica
    assert pool_kind(OfflineEngine(), 2, isolate=False) == "workers"
    assert isinstance(open_pool(_OnGpu(), workers=4), InProcessPool)  # never more than its replicas
    two = _OnGpu()
    two.traits = replace(two.traits, preferred_workers=2)
    pool = open_pool(two, workers=8)
    assert isinstance(pool, ProcessPool) and pool.workers == 2 and pool.kind == "workers"
    pool = open_pool(OfflineEngine(), workers=8, jobs=3)
    assert isinstance(pool, ProcessPool) and pool.workers == 3  # never more workers than turns


def test_every_pool_gives_the_same_samples_for_a_fresh_process_engine(voices):
    texts = _lines(4)
    jobs = _jobs(voices, texts)
    engine = OfflineEngine()
    # (Not `run_job` here: a fork of this test process would inherit whatever eSpeak state
    # earlier tests left in it, the very thing the fresh-process pool avoids.)
    with open_pool(engine, workers=1) as pool:
        alone = list(pool.run(jobs))
    with open_pool(engine, workers=2) as pool:
        pooled = {r.job.key: r for r in pool.run(list(reversed(jobs)))}
    for res in alone:
        assert res.ok and np.array_equal(res.samples, pooled[res.job.key].samples)


def test_a_crashing_worker_fails_only_its_turn(voices):
    texts = _lines(5)
    engine = _Crashing(texts[2][:6])
    with open_pool(engine, workers=2) as pool:
        results = {r.job.index: r for r in pool.run(_jobs(voices, texts))}
    assert sorted(results) == [0, 1, 2, 3, 4]
    assert not results[2].ok and "died" in results[2].error
    assert all(results[i].ok and results[i].samples.size for i in (0, 1, 3, 4))


def _drain(pool, jobs, pause: float, limit: float = 60.0) -> dict:
    """Every result of `pool.run(jobs)` by turn index, read as render reads them (a
    cache write after each, here `pause` seconds), in a thread so that a hang fails
    the test instead of stalling it. Raises what the run raised."""
    import threading
    import time

    results: dict = {}
    raised: list[BaseException] = []

    def read() -> None:
        try:
            for res in pool.run(jobs):
                assert res.job.index not in results, f"turn {res.job.index} came back twice"
                results[res.job.index] = res
                time.sleep(pause)
        except BaseException as e:  # handed to the test's thread
            raised.append(e)

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    reader.join(timeout=limit)
    assert not reader.is_alive(), f"the pool hung after {len(results)} results"
    if raised:
        raise raised[0]
    return results


def test_workers_dying_at_any_moment_fail_exactly_the_crashing_turns(voices):
    """Several crashing turns among many on two workers. A worker may die while the
    other's result is in the pipe, while the caller handles a result, or between two
    submissions; wherever it happens, each innocent turn ends with its audio and each
    crashing turn (and only it) fails, with no hang and no worker left behind. (The
    old recovery let `BrokenProcessPool` escape when a worker died between a result
    and the next submission: 10 runs in 10 of this test failed.)"""
    import multiprocessing

    texts = _lines(14)
    crashers = {3, 4, 9}  # 3 and 4 are in flight together: both die with one executor
    marks = [texts[i][:6] for i in sorted(crashers)]
    assert all(sum(m in t for t in texts) == 1 for m in marks)  # each mark crashes one turn
    before = set(multiprocessing.active_children())
    pool = ProcessPool(_CrashingLate(*marks), 2)
    try:
        results = _drain(pool, _jobs(voices, texts), pause=0.1)
    finally:
        pool.close()
    assert sorted(results) == list(range(len(texts)))
    assert {i for i, r in results.items() if not r.ok} == crashers
    assert all("died" in results[i].error for i in crashers)
    assert all(results[i].samples.size and results[i].sample_rate for i in results if i not in crashers)
    assert not set(multiprocessing.active_children()) - before  # every worker it started has ended


def test_a_job_a_broken_executor_never_settles_is_retried_not_awaited(voices):
    """CPython's executor can leave a job submitted at the very moment a worker dies
    unsettled forever (its manager thread marks the jobs it holds, then leaves while
    the submission lands). Here the second submission kills the only worker and hands
    back such a job: the pool must notice the broken executor and run the job again."""
    from concurrent.futures import Future

    pool = ProcessPool(_Steady(), 1)
    start, started = pool._start, []

    def first_breaks_on_second_job():
        executor = start()
        if not started:
            submit = executor.submit

            def submit_while_dying(fn, job):
                if job.index == 0:
                    return submit(fn, job)
                for proc in list(executor._processes.values()):
                    proc.kill()
                return Future()  # never settled

            executor.submit = submit_while_dying
        started.append(executor)
        return executor

    pool._start = first_breaks_on_second_job
    try:
        results = _drain(pool, _jobs(voices, _lines(3)), pause=0.0, limit=30.0)
    finally:
        pool.close()
    assert len(started) == 2  # the broken executor, then a new one for the rest
    assert sorted(results) == [0, 1, 2] and all(r.ok and r.samples.size for r in results.values())


def test_cancel_starts_no_new_turns(voices):
    jobs = _jobs(voices, _lines(6))
    pool = InProcessPool(_Steady())
    run = pool.run(jobs)
    got = []
    for res in run:
        got.append(res)
        run.cancel()
    assert len(got) == 1


class _CountingPool:
    """Another pool plugged into render (as a Ray pool would be), counting the jobs it gets.
    (Not an in-process fork: this test process has spoken with eSpeak before, and a fork
    inherits that state.)"""

    kind = "counting"
    workers = 2

    def __init__(self, engine) -> None:
        self.inner = open_pool(engine, workers=2)
        self.seen: list[TurnJob] = []
        self.closed = False

    def run(self, jobs):
        jobs = list(jobs)
        self.seen += jobs
        return self.inner.run(jobs)

    def close(self) -> None:
        self.inner.close()
        self.closed = True


def test_several_scripts_share_one_pool_and_identical_turns_are_spoken_once(tmp_path, voices):
    lines = _lines(6)
    first, second = _script(lines[:4], "一"), _script(lines[2:6], "二")  # turns 3-4 equal 1-2 of the other
    second.chapters[0].turns = [Turn(t.speaker if i >= 2 else "AB"[i % 2], t.text)
                                for i, t in enumerate(second.chapters[0].turns)]
    # The same text by the same host makes the same key whichever episode it is in.
    second.chapters[0].turns[0] = Turn("A", lines[2])
    second.chapters[0].turns[1] = Turn("B", lines[3])
    pool = _CountingPool(OfflineEngine())
    events = []
    outcomes = render_scripts(
        [first, second], engine=OfflineEngine(), voices=voices, pool=pool,
        settings=RenderSettings(cache_dir=tmp_path), progress=events.append,
    )
    assert [len(o.audio) for o in outcomes] == [4, 4]
    assert len(pool.seen) == 6 and not pool.closed  # 8 turns, 2 shared; the caller's pool stays open
    assert outcomes[0].synthesized + outcomes[1].synthesized == 6
    assert outcomes[0].pool == "counting"
    assert {e.episode for e in events if e.kind == "turn"} == {0, 1}
    assert np.array_equal(outcomes[0].audio[2].samples, outcomes[1].audio[0].samples)
    pool.close()
    # Each episode alone gives the same audio as in the batch.
    alone = synthesize_script(second, engine=OfflineEngine(), voices=voices, cache_dir=tmp_path / "alone")
    for a, b in zip(alone.audio, outcomes[1].audio, strict=True):
        assert np.array_equal(a.samples, b.samples)


def test_workers_start_from_an_unguarded_script_and_from_stdin(tmp_path):
    """Worker processes never re-import the caller's __main__: a script without a
    `__main__` guard, or one read from stdin, renders with workers (spawn alone would
    run it again in every worker, or fail to find '<stdin>')."""
    program = textwrap.dedent(
        f"""
        import sys
        from voicer.engines import load_voices
        from voicer.model import Chapter, Host, Script, Turn
        from voicer.synth import synthesize_script
        print("main ran", file=sys.stderr)
        lines = {_lines(4)!r}
        turns = [Turn("AB"[i % 2], t) for i, t in enumerate(lines)]
        script = Script("t", "zh", [Host("A", "A", "zh-female-1"), Host("B", "B", "zh-male-1")],
                        [Chapter("c", turns)])
        out = synthesize_script(script, engine="offline", voices=load_voices(),
                                cache_dir={str(tmp_path / "c")!r}, workers=2)
        print(out.synthesized, out.workers, out.pool, len(out.failed))
        """
    )
    path = tmp_path / "unguarded.py"
    path.write_text(program, encoding="utf-8")
    for args, stdin in (([str(path)], None), (["-"], program)):
        res = subprocess.run(
            [sys.executable, *args], input=stdin, capture_output=True, text=True, timeout=180
        )
        assert res.returncode == 0, res.stderr
        assert res.stderr.count("main ran") == 1
        reused_or_new = res.stdout.split()
        assert reused_or_new[1:] == ["2", "fresh-process", "0"] or reused_or_new[0] == "0"


def test_a_failed_turn_prints_as_a_sentence():
    import io

    from rich.console import Console

    from voicer.cli_display import print_failures
    from voicer.synth import TurnFailure

    failure = TurnFailure(0, 2, "开场", "大家好" * 20, "refused to speak 'x'.")
    assert str(failure).startswith('Chapter 1 ("开场"), turn 3 ("大家好')
    assert str(failure).endswith("refused to speak 'x'.")
    buf = io.StringIO()
    print_failures([failure], Console(file=buf, width=200))
    assert "TurnFailure(" not in buf.getvalue() and "turn 3" in buf.getvalue()


def test_render_settings_refuse_nonsense_and_take_knobs_by_name(tmp_path, voices):
    from voicer.errors import RenderError

    with pytest.raises(RenderError, match="one worker or more"):
        RenderSettings(workers=0)
    assert RenderSettings(voices_dir="x").voices_dir == ("x",)  # not iterated letter by letter
    out = synthesize_script(
        _script(_lines(2)), engine="offline", voices=voices, cache_dir=tmp_path, workers=1, keep_going=True
    )
    assert out.synthesized == 2 and out.pool == "fresh-process"


def test_closing_after_a_worker_died_mid_result_does_not_hang(voices):
    """A worker killed while writing its result leaves half a message in the result pipe;
    the executor's manager thread then waited forever and SIGTERM hung voicer (seen
    under load: 2 hangs in 12). Here the half message is written on purpose."""
    import struct
    import threading

    pool = ProcessPool(_Steady(), 1)
    first = next(iter(pool.run(_jobs(voices, _lines(1)))))  # the worker is up and has answered once
    assert first.ok
    writer = pool._executor._result_queue._writer
    writer._send(struct.pack("!i", 1000) + b"half")  # a header promising 1000 bytes, then 4
    closer = threading.Thread(target=pool.close, daemon=True)
    closer.start()
    closer.join(timeout=30)
    assert not closer.is_alive(), "closing the pool hung on a half-written result"
