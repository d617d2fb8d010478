"""Resume for real: a render in a subprocess is SIGKILLed mid-way, run again, and
must give the same samples as an uninterrupted render; two renders sharing one
cache at the same time both succeed."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import numpy as np
from helpers import MONOLOGUE

from voicer.synth import TurnCache

N_TURNS = 20

# The render a user would run: 20 real lines, two hosts, offline engine, one worker.
# `slow` holds each turn back a little (in the progress callback) so the test can
# kill the process between turns; the audio is saved per turn to an .npz.
PROGRAM = r"""
import sys, time
import numpy as np
from voicer.engines import load_voices
from voicer.model import Chapter, Host, Script, Turn
from voicer.synth import synthesize_script

source, cache_dir, out, delay = sys.argv[1], sys.argv[2], sys.argv[3], float(sys.argv[4])
lines = [ln.strip() for ln in open(source, encoding="utf-8") if ln.strip()][:N_TURNS]
turns = [Turn("A" if i % 2 == 0 else "B", ln) for i, ln in enumerate(lines)]
script = Script("resume", "zh", [Host("A", "A", "zh-female-1"), Host("B", "B", "zh-male-1")],
                [Chapter("one", turns[:10]), Chapter("two", turns[10:])])

def slow(event):
    if event.kind == "turn" and delay:
        time.sleep(delay)

res = synthesize_script(script, engine="offline", voices=load_voices(), cache_dir=cache_dir,
                        workers=1, progress=slow)
np.savez(out, *[a.samples for a in res.audio])
print(res.reused, res.synthesized)
""".replace("N_TURNS", str(N_TURNS))


def _start(cache_dir, out, delay: float) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-c", PROGRAM, str(MONOLOGUE), str(cache_dir), str(out), str(delay)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # its own process group: the kill takes its workers too
    )


def _run(cache_dir, out) -> subprocess.CompletedProcess[str]:
    args = [sys.executable, "-c", PROGRAM, str(MONOLOGUE), str(cache_dir), str(out), "0"]
    return subprocess.run(args, capture_output=True, text=True, timeout=120)


def _load(path) -> list[np.ndarray]:
    with np.load(path) as data:
        return [data[f"arr_{i}"] for i in range(len(data.files))]


def test_sigkill_then_resume_is_sample_identical(tmp_path):
    cache_dir = tmp_path / "cache"
    proc = _start(cache_dir, tmp_path / "killed.npz", delay=0.3)
    cache = TurnCache(cache_dir, create=False)
    deadline = time.monotonic() + 60
    while len(cache.entries()) < 3:
        assert proc.poll() is None, proc.stderr.read() if proc.stderr else ""
        assert time.monotonic() < deadline, "the render did not start"
        time.sleep(0.02)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    assert proc.returncode == -signal.SIGKILL
    assert not (tmp_path / "killed.npz").exists()
    done_before = len(cache.entries())
    assert 3 <= done_before < N_TURNS  # really killed mid-render
    # Every entry left behind is complete (atomic writes).
    assert all(cache.get(p.stem) is not None for p in cache.entries())

    resumed = _run(cache_dir, tmp_path / "resumed.npz")
    assert resumed.returncode == 0, resumed.stderr
    reused, synthesized = map(int, resumed.stdout.split())
    assert reused == done_before and synthesized == N_TURNS - done_before

    fresh = _run(tmp_path / "fresh", tmp_path / "fresh.npz")
    assert fresh.returncode == 0, fresh.stderr
    assert fresh.stdout.split() == ["0", str(N_TURNS)]
    a, b = _load(tmp_path / "resumed.npz"), _load(tmp_path / "fresh.npz")
    assert len(a) == len(b) == N_TURNS
    assert all(np.array_equal(x, y) for x, y in zip(a, b, strict=True))


def test_two_renders_sharing_a_cache(tmp_path):
    cache_dir = tmp_path / "cache"
    procs = [_start(cache_dir, tmp_path / f"out{i}.npz", delay=0) for i in range(2)]
    for p in procs:
        _, err = p.communicate(timeout=120)
        assert p.returncode == 0, err
    a, b = _load(tmp_path / "out0.npz"), _load(tmp_path / "out1.npz")
    assert all(np.array_equal(x, y) for x, y in zip(a, b, strict=True))
    cache = TurnCache(cache_dir)
    assert len(cache.entries()) == N_TURNS
    assert all(cache.get(p.stem) is not None for p in cache.entries())
