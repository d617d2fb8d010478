"""voicer batch on Ray: a local Ray with 2 CPUs started by the test, a catalogue of three
short transcripts, an actor killed mid-run, and samples compared with a local render."""

from __future__ import annotations

import os
import shutil
import signal
from pathlib import Path

import numpy as np
import pytest

ray = pytest.importorskip("ray", reason="Ray is an optional extra: pip install -e '.[ray]'")

import voicer.batch.raypool as raypool  # noqa: E402
from voicer.batch import BatchSettings, run_batch  # noqa: E402
from voicer.synth import RenderSettings, TurnCache  # noqa: E402

DATA = Path(__file__).parent / "data" / "batch"
NAMES = ["alpha.en", "beta.zh", "gamma.en"]

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def local_ray() -> object:
    raypool.connect(None, num_cpus=2)  # what `voicer batch --ray` does, with 2 CPUs
    yield ray
    ray.shutdown()


def _settings(cache: Path, **kw: object) -> BatchSettings:
    return BatchSettings(render=RenderSettings(engine="offline", cache_dir=cache, workers=2), **kw)  # type: ignore[arg-type]


def _decoded(path: Path) -> np.ndarray:
    from pedalboard.io import AudioFile

    with AudioFile(str(path)) as f:
        return f.read(f.frames)


def _entries(cache: Path) -> dict[str, tuple[np.ndarray, int]]:
    store = TurnCache(cache)
    return {p.stem: store.get(p.stem) for p in store.entries()}  # type: ignore[misc]


def test_ray_catalogue_survives_a_killed_actor_and_matches_local(
    local_ray: object, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    src = tmp_path / "talks"
    shutil.copytree(DATA, src)
    local = run_batch(src, tmp_path / "local", _settings(tmp_path / "cache-local"))
    assert [e.status for e in local.episodes] == ["done"] * 3

    pools: list[raypool.RayPool] = []
    pids: list[int] = []
    real_init = raypool.RayPool.__init__

    def remember(self: raypool.RayPool, *args: object, **kw: object) -> None:
        real_init(self, *args, **kw)  # type: ignore[arg-type]
        pools.append(self)
        pids.extend(self.actor_pids())  # now: later the call would queue behind the actor's turns

    monkeypatch.setattr(raypool.RayPool, "__init__", remember)
    killed: list[int] = []

    def kill_one_actor(event: object) -> None:
        # At the first synthesized turn the other turns are queued on both actors: a lost worker.
        if (
            not killed
            and getattr(event, "kind", "") == "turn"
            and getattr(event, "status", "") == "synthesized"
        ):
            busy = max(range(pools[0].workers), key=lambda i: pools[0].load[i])
            assert pools[0].load[busy] > 0, "no turn in flight to lose"
            pid = pids[busy]
            os.kill(pid, signal.SIGKILL)
            killed.append(pid)

    report = run_batch(src, tmp_path / "ray", _settings(tmp_path / "cache-ray", ray=True), kill_one_actor)
    assert killed, "no actor was killed: the test did not exercise a lost worker"
    assert report.pool == "ray" and report.workers == 2
    assert [(e.name, e.status) for e in report.episodes] == [(n, "done") for n in NAMES]
    assert pools[0].lost == 0  # Ray restarted the actor and retried its turns

    # Sample-identical: every turn, and every decoded episode.
    ours, theirs = _entries(tmp_path / "cache-local"), _entries(tmp_path / "cache-ray")
    assert ours.keys() == theirs.keys() and ours
    for key, (samples, rate) in ours.items():
        assert theirs[key][1] == rate and np.array_equal(theirs[key][0], samples), key
    for name in NAMES:
        assert np.array_equal(
            _decoded(tmp_path / "local" / f"{name}.mp3"), _decoded(tmp_path / "ray" / f"{name}.mp3")
        )


def test_shared_cache_path_carries_the_turns(local_ray: object, tmp_path: Path) -> None:
    shared = tmp_path / "shared"
    one = tmp_path / "one"
    one.mkdir()
    shutil.copy(DATA / "gamma.en.srt", one)
    report = run_batch(one, tmp_path / "out", _settings(tmp_path / "cache", ray=True, shared_cache=shared))
    assert [e.status for e in report.episodes] == ["done"]
    written, kept = _entries(shared), _entries(tmp_path / "cache")
    assert written and written.keys() == kept.keys()
    for key, (samples, _) in written.items():
        assert np.array_equal(kept[key][0], samples)


def test_unreachable_ray_address_stops_before_any_work(tmp_path: Path) -> None:
    import socket
    import subprocess
    import sys

    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    out = tmp_path / "out"
    cmd = [sys.executable, "-m", "voicer", "batch", str(DATA), "-o", str(out), "--engine", "offline"]
    done = subprocess.run(
        cmd + ["--ray-address", f"127.0.0.1:{port}"], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 2, done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(
        f"voicer: Cannot reach the Ray cluster at 127.0.0.1:{port}"
    )
    assert not out.exists()


def test_when_retries_run_out_only_the_lost_turns_fail(local_ray: object) -> None:
    from voicer.api import load_script
    from voicer.engines import get_engine, load_voices
    from voicer.synth.jobs import plan_jobs

    voices, engine = load_voices(), get_engine("offline")
    jobs = [j for j in plan_jobs(load_script(DATA / "alpha.en.txt"), engine, voices)[0] if j is not None]
    jobs += [j for j in plan_jobs(load_script(DATA / "beta.zh.txt"), engine, voices)[0] if j is not None]
    pool = raypool.RayPool(engine, workers=2, max_retries=0)
    try:
        pids = pool.actor_pids()
        results = []
        for result in pool.run(jobs):
            if not results:
                os.kill(pids[0], signal.SIGKILL)  # actor 0 still has turns queued; Ray may not restart it
            results.append(result)
    finally:
        pool.close()
    assert sorted(r.job.key for r in results) == sorted(j.key for j in jobs)  # every turn answered once
    failed = [r for r in results if not r.ok]
    assert failed and pool.lost == len(failed) < len(jobs)
    assert all(r.error.startswith("the Ray worker was lost and retries ran out") for r in failed)


def test_gpu_actors_ask_ray_for_a_gpu(local_ray: object) -> None:
    """An engine on an accelerator gets one actor per GPU; a cluster without one is a clear error."""
    from voicer.engines.base import EngineTraits

    class GpuEngine:
        name, device, note = "gpu-test", "cuda", ""
        traits = EngineTraits(sample_rate=24000, keeps_model_loaded=True, uses_gpu=True)

    with pytest.raises(raypool.BatchError, match="has none"):
        raypool.RayPool(GpuEngine())  # type: ignore[arg-type]
