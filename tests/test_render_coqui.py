"""Rendering with the Coqui engine (small random-weight VITS, offline): the model stays
loaded in this process (one worker), turns are cached and reused like any engine's."""

from __future__ import annotations

import coqui_fixtures
import numpy as np
import pytest
from helpers import MONOLOGUE

from voicer.engines import get_engine, load_voices
from voicer.model import Chapter, Host, Script, Turn
from voicer.synth import synthesize_script


@pytest.fixture(scope="module")
def coqui_voices(tmp_path_factory):
    root = tmp_path_factory.mktemp("render-coqui")
    model, config = coqui_fixtures.build_vits(root / "zh", "zh-cn")
    presets = root / "presets"
    presets.mkdir()
    for name, speaker in (("zh-coqui-a", "host_a"), ("zh-coqui-b", "host_b")):
        (presets / f"{name}.toml").write_text(coqui_fixtures.preset_toml(name, "zh", model, config, speaker))
    return load_voices([presets])


def test_coqui_render_in_process_then_reused(tmp_path, coqui_voices):
    lines = [ln.strip() for ln in MONOLOGUE.read_text(encoding="utf-8").splitlines() if ln.strip()][1:4]
    script = Script(
        "coqui",
        "zh",
        [Host("A", "A", "zh-coqui-a"), Host("B", "B", "zh-coqui-b")],
        [Chapter("c", [Turn("AB"[i % 2], ln) for i, ln in enumerate(lines)])],
    )
    engine = get_engine("coqui", device="cpu")
    events = []
    try:
        first = synthesize_script(
            script, engine=engine, voices=coqui_voices, cache_dir=tmp_path, progress=events.append
        )
        assert first.workers == 1  # the model is loaded once, here, not per worker
        assert (first.synthesized, first.reused, first.failed) == (3, 0, [])
        rate = first.audio[0].sample_rate
        assert all(a.sample_rate == rate and a.samples.size > 0 for a in first.audio)
        assert [e.done for e in events if e.kind == "turn"] == [1, 2, 3]
        script.chapters[0].turns[2].text = lines[2] + "，对吧"
        second = synthesize_script(script, engine=engine, voices=coqui_voices, cache_dir=tmp_path)
    finally:
        engine.close()
    assert (second.synthesized, second.reused) == (1, 2)
    for a, b in zip(first.audio[:2], second.audio[:2], strict=True):
        assert np.array_equal(a.samples, b.samples)
