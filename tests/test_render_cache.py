"""The turn cache: key, lossless entries, damaged entries, default folder."""

from __future__ import annotations

import os
import time

import numpy as np
import pytest
from helpers import MONOLOGUE

from voicer.engines import load_voices
from voicer.engines.offline import OfflineEngine
from voicer.model import Chapter, Host, Script, Turn
from voicer.synth import CACHE_FORMAT_VERSION, TurnCache, cache_key, default_cache_dir, synthesize_script

LINE = MONOLOGUE.read_text(encoding="utf-8").splitlines()[0]


def test_key_covers_everything_that_changes_the_audio():
    voices = load_voices()
    engine = OfflineEngine()
    ident = engine.identity(voices["zh-female-1"])
    base = cache_key(ident, "zh", [LINE])
    assert base == cache_key(dict(reversed(list(ident.items()))), "zh", [LINE])  # canonical JSON
    assert len(base) == 64 and int(base, 16) >= 0
    assert {
        base,
        cache_key(engine.identity(voices["zh-male-1"]), "zh", [LINE]),
        cache_key({**ident, "rate": ident.get("rate", 175) + 1}, "zh", [LINE]),
        cache_key({**ident, "version": "espeak-ng 0.0"}, "zh", [LINE]),
        cache_key(ident, "en", [LINE]),
        cache_key(ident, "zh", [LINE + "。"]),
        cache_key(ident, "zh", [LINE[:5], LINE[5:]]),  # same text, other chunking
        cache_key(ident, "zh", [LINE], gap=0.3),
    }.__len__() == 8
    assert CACHE_FORMAT_VERSION >= 1


def test_entries_are_sample_exact(tmp_path):
    cache = TurnCache(tmp_path)
    rng = np.random.default_rng(0)
    pcm = (rng.integers(-32768, 32767, 22050).astype(np.float32) / 32768).astype(np.float32)
    neural = (rng.standard_normal(24000) * 0.1).astype(np.float32)  # not int16-representable
    for key, samples, rate in (("a" * 64, pcm, 22050), ("b" * 64, neural, 24000)):
        cache.put(key, samples, rate)
        got, sr = cache.get(key)
        assert sr == rate and got.dtype == np.float32 and np.array_equal(got, samples)
    # int16-exact audio is stored at half the size.
    assert cache.path("a" * 64).stat().st_size < 0.6 * pcm.nbytes
    assert cache.get("c" * 64) is None
    assert sorted(p.stem for p in cache.entries()) == ["a" * 64, "b" * 64]


@pytest.mark.parametrize("damage", ["truncate", "garbage", "empty", "flip"])
def test_damaged_entry_is_a_miss_and_is_rewritten(tmp_path, damage):
    lines = [ln for ln in MONOLOGUE.read_text(encoding="utf-8").splitlines() if ln.strip()][:3]
    script = Script(
        "t",
        "zh",
        [Host("A", "A", "zh-female-1"), Host("B", "B", "zh-male-1")],
        [Chapter("c", [Turn("AB"[i % 2], ln) for i, ln in enumerate(lines)])],
    )
    voices = load_voices()
    first = synthesize_script(script, engine="offline", voices=voices, cache_dir=tmp_path)
    cache = TurnCache(tmp_path)
    entries = sorted(cache.entries())
    victim = entries[1]
    data = victim.read_bytes()
    if damage == "truncate":
        victim.write_bytes(data[: len(data) // 2])
    elif damage == "garbage":
        victim.write_bytes(b"not audio at all" * 10)
    elif damage == "empty":
        victim.write_bytes(b"")
    else:  # one flipped byte inside the samples: the zip CRC catches it
        mid = len(data) // 2
        victim.write_bytes(data[:mid] + bytes([data[mid] ^ 0xFF]) + data[mid + 1 :])
    assert cache.get(victim.stem) is None
    again = synthesize_script(script, engine="offline", voices=voices, cache_dir=tmp_path)
    assert (again.reused, again.synthesized) == (2, 1)
    assert cache.get(victim.stem) is not None
    assert all(np.array_equal(a.samples, b.samples) for a, b in zip(first.audio, again.audio, strict=True))


def test_default_folder_and_env_override(tmp_path, monkeypatch):
    monkeypatch.delenv("VOICER_CACHE_DIR", raising=False)
    default = default_cache_dir()
    assert default.name == "turns" and default.parent.name == "voicer"
    monkeypatch.setenv("VOICER_CACHE_DIR", str(tmp_path / "mine"))
    assert default_cache_dir() == tmp_path / "mine"
    assert TurnCache().directory == tmp_path / "mine" and (tmp_path / "mine").is_dir()


def test_stale_temp_files_are_removed(tmp_path):
    cache = TurnCache(tmp_path)
    cache.put("d" * 64, np.zeros(10, dtype=np.float32), 22050)
    stale = cache.path("d" * 64).parent / ".dddd.npz.tmp123.npz"
    fresh = cache.path("d" * 64).parent / ".dddd.npz.tmp456.npz"
    stale.write_bytes(b"half")
    fresh.write_bytes(b"half")
    old = time.time() - 7200
    os.utime(stale, (old, old))
    assert [p.stem for p in cache.entries()] == ["d" * 64]  # temp files are never entries
    assert cache.remove_stale_temps() == 1
    assert not stale.exists() and fresh.exists()


def test_unwritable_cache_folder_is_a_user_error(tmp_path):
    from voicer.errors import RenderError

    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(RenderError, match="--cache-dir"):
        TurnCache(blocker / "cache")
