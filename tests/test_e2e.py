"""End to end: real transcript excerpts -> two-voice, chaptered 44.1 kHz MP3."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from helpers import INTERVIEW, MONOLOGUE, excerpt, median_f0

import voicer
from voicer.model import spoken_text, word_count

# Excerpts: the monologue's opening (greeting + first topic), and the interview's
# title, preface, first exchanges and its first two headed chapters.
CASES = {
    "monologue": (MONOLOGUE, 1, 80, "episode.txt"),
    "interview": (INTERVIEW, 1, 110, "episode.md"),
}


def _decode(path: Path) -> tuple[np.ndarray, int]:
    from pedalboard.io import AudioFile

    with AudioFile(str(path)) as f:
        return f.read(f.frames).mean(axis=0), f.samplerate


@pytest.fixture(scope="module", params=sorted(CASES))
def rendered(request, tmp_path_factory):
    path, first, last, name = CASES[request.param]
    work = tmp_path_factory.mktemp(request.param)
    src = work / name
    src.write_text(excerpt(path, first, last), encoding="utf-8")
    script = voicer.make_script(voicer.load_transcript(src))
    result = voicer.render(script, work / "episode.mp3", engine="offline", cache_dir=work / "cache")
    return script, result


def test_mp3_decodes_at_44k_with_plausible_duration(rendered):
    script, result = rendered
    audio, sr = _decode(result.path)
    assert sr == 44100
    duration = len(audio) / sr
    assert abs(duration - result.timeline.duration) < 0.2
    words = sum(word_count(t.text) for _, _, t in script.turns())
    # Spoken Mandarin runs at roughly 3-6 characters a second; allow a wide band.
    assert 1.5 < words / duration < 9.0, (words, duration)


def test_id3_chapters_match_script_and_timeline(rendered):
    from mutagen.id3 import ID3

    script, result = rendered
    tags = ID3(result.path)
    ctocs = tags.getall("CTOC")
    assert len(ctocs) == 1 and ctocs[0].flags & 0x03 == 0x03  # top-level, ordered
    chaps = {c.element_id: c for c in tags.getall("CHAP")}
    ordered = [chaps[i] for i in ctocs[0].child_element_ids]
    assert [c.sub_frames["TIT2"].text[0] for c in ordered] == [ch.title for ch in script.chapters]
    assert len(script.chapters) >= 2
    for chap, timed in zip(ordered, result.timeline.chapters, strict=True):
        assert abs(chap.start_time - round(timed.start * 1000)) <= 1
        assert abs(chap.end_time - round(timed.end * 1000)) <= 1
    starts = [c.start_time for c in ordered]
    assert starts == sorted(starts) and starts[0] == 0


def test_every_turn_is_in_the_episode(rendered):
    script, result = rendered
    speakable = [(ci, ti) for ci, ti, t in script.turns() if spoken_text(t.text)]
    timed = [(t.chapter, t.turn) for t in result.timeline.turns]
    assert timed == speakable
    assert all(t.end - t.start > 0.2 for t in result.timeline.turns)
    assert result.outcome.failed == []


def test_two_distinct_voices(rendered):
    script, result = rendered
    audio, sr = _decode(result.path)
    pitch: dict[str, list[float]] = {}
    for t in result.timeline.turns:
        seg = audio[int(t.start * sr) : int(t.end * sr)]
        pitch.setdefault(script.host(t.speaker).voice, []).append(median_f0(seg, sr))
    assert len(pitch) >= 2
    medians = sorted(float(np.median(v)) for v in pitch.values())
    assert medians[0] > 0 and medians[-1] / medians[0] > 1.15, medians


def test_cli_renders_with_sidecars(tmp_path):
    src = tmp_path / "talk.txt"
    src.write_text(excerpt(MONOLOGUE, 1, 30), encoding="utf-8")
    out = tmp_path / "out" / "ep.mp3"
    env = dict(os.environ, VOICER_CACHE_DIR=str(tmp_path / "cache"))
    proc = subprocess.run(
        [sys.executable, "-m", "voicer", "render", str(src), "-o", str(out), "--engine", "offline", "-q"],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    names = sorted(p.name for p in out.parent.iterdir())
    for suffix in (".mp3", ".chapters.json", ".srt", ".vtt", ".notes.md"):
        assert f"ep{suffix}" in names, names
    assert not [n for n in names if n.startswith(".")], names  # no temp files left behind
