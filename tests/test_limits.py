"""Issue 15, items 2, 8 and 9: options and inputs that gave a crash, a silent or a broken
episode with exit 0 are refused with one sentence (exit 2) before any synthesis."""

from __future__ import annotations

import math
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import voicer
from voicer.errors import ExportError, InputError, VoicerError
from voicer.export import ExportSettings
from voicer.mix import MixError, MixSettings, mix
from voicer.model import Chapter, Host, Script, Turn, TurnAudio

TEXT = "Open models changed everything. Teams can now fine-tune a model on one GPU. Why does that matter?\n"


def _voicer(*args: str, cwd: Path, timeout: int = 300) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, VOICER_CACHE_DIR=str(cwd / "cache"))
    return subprocess.run(
        [sys.executable, "-m", "voicer", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=env,
        timeout=timeout,
    )


def _refused(proc: subprocess.CompletedProcess[str], *words: str) -> None:
    assert proc.returncode == 2, (proc.returncode, proc.stderr[-2000:])
    assert "Traceback" not in proc.stderr and proc.stderr.strip().count("\n") == 0, proc.stderr
    for w in words:
        assert w in proc.stderr, proc.stderr


def _script(turns: list[str], language: str = "en") -> Script:
    hosts = [Host(id="A", name="A", voice="en-female-1"), Host(id="B", name="B", voice="en-male-1")]
    chapter = Chapter(title="One", turns=[Turn(speaker="AB"[i % 2], text=t) for i, t in enumerate(turns)])
    return Script(title="T", language=language, hosts=hosts, chapters=[chapter])


# ------------------------------------------------------------------ item 2: huge inputs


def test_an_episode_too_long_to_hold_is_refused_before_synthesis(tmp_path: Path) -> None:
    """A single line of ~100,000 characters would be hours of audio: refused with the limit,
    before the engine starts (the turn cache stays empty)."""
    src = tmp_path / "line.txt"
    src.write_text(" ".join(["open models matter a lot"] * 4000), encoding="utf-8")
    with pytest.raises(MixError, match=r"at most 0\.5 hours"):
        voicer.render(src, tmp_path / "ep.mp3", engine="offline", cache_dir=tmp_path / "cache",
                      mix_settings=MixSettings(max_hours=0.5))  # fmt: skip
    assert not (tmp_path / "cache").exists() or not any((tmp_path / "cache").rglob("*.npy"))
    assert not (tmp_path / "ep.mp3").exists()


def test_mix_refuses_instead_of_allocating_the_impossible() -> None:
    """The mix checks the real length before its one allocation (numpy asked for 122 GiB)."""
    script = _script(["one", "two"])
    audio = [TurnAudio(chapter=0, turn=i, samples=np.full(22050 * 40, 0.1, np.float32), sample_rate=22050)
             for i in range(2)]  # fmt: skip
    with pytest.raises(MixError, match=r"at most 0\.01 hours"):
        mix(script, audio, MixSettings(max_hours=0.01))


def test_ten_megabyte_single_line_input_is_refused_with_the_limit(tmp_path: Path) -> None:
    """The issue's input: 10 MB on one line. Exit 2 with the limit as it is read (before a
    script is made), no traceback; it asked numpy for 122 GiB after all the synthesis."""
    words = ("the quick brown fox jumps over the lazy dog and then runs far away " * 160_000)[:10_000_000]
    (tmp_path / "big.txt").write_text(words, encoding="utf-8")
    proc = _voicer(
        "render", "big.txt", "-o", "big.mp3", "--engine", "offline", "-q", cwd=tmp_path, timeout=300
    )
    _refused(proc, "hours", "at most", "split it into parts")
    assert not (tmp_path / "big.mp3").exists()


# -------------------------------------------------------------- item 8: numeric options


@pytest.mark.parametrize(
    ("option", "value", "words"),
    [
        ("--lufs", "nan", ["-40", "-9", "LUFS"]),
        ("--lufs", "-200", ["-40", "-9"]),
        ("--lufs", "50", ["-40", "-9"]),
        ("--true-peak", "3", ["dBTP"]),
        ("--sample-rate", "1", ["8000", "192000"]),
        ("--sample-rate", "0", ["8000", "192000"]),
        ("--bitrate", "0", ["kbps"]),
        ("--workers", "0", ["0"]),
    ],
)
def test_numeric_options_are_checked_at_the_cli_edge(tmp_path: Path, option: str, value: str,
                                                     words: list[str]) -> None:  # fmt: skip
    (tmp_path / "talk.txt").write_text(TEXT, encoding="utf-8")
    proc = _voicer("render", "talk.txt", "-o", "ep.mp3", "--engine", "offline", option, value, cwd=tmp_path)
    _refused(proc, *words)
    assert not (tmp_path / "ep.mp3").exists() and not (tmp_path / "cache").exists()


@pytest.mark.parametrize(
    "knobs",
    [{"lufs": math.nan}, {"lufs": -200.0}, {"lufs": 50.0}, {"sample_rate": 0}, {"sample_rate": 1},
     {"true_peak": math.inf}, {"stereo_width": 2.0}, {"pause_chapter": -1.0}, {"max_hours": 0}],
)  # fmt: skip
def test_mix_settings_refuse_out_of_range_values(knobs: dict[str, float]) -> None:
    with pytest.raises(MixError, match="must be between"):
        MixSettings(**knobs)


@pytest.mark.parametrize(
    "knobs", [{"bitrate_kbps": 7}, {"bitrate_kbps": 100.5}, {"sample_rate": 1}, {"cue_max_seconds": 0}]
)
def test_export_settings_refuse_out_of_range_values(knobs: dict[str, float]) -> None:
    with pytest.raises(ExportError, match="must be between"):
        ExportSettings(**knobs)


def test_good_settings_are_accepted() -> None:
    MixSettings(lufs=-16, true_peak=-1.5, sample_rate=48000)
    ExportSettings(bitrate_kbps=192, sample_rate=48000)


# ---------------------------------------------------------- item 9: nothing, or no language


def test_a_script_without_turns_is_refused(tmp_path: Path) -> None:
    """Hosts but no turns gave a 1-second silent MP3 and an empty SRT."""
    path = tmp_path / "empty.md"
    path.write_text(
        "---\nvoicer: script 1\ntitle: Empty\nlanguage: en\nhosts:\n  - id: A\n    name: A\n"
        "    voice: en-female-1\n  - id: B\n    name: B\n    voice: en-male-1\n---\n\n# Chapter\n",
        encoding="utf-8",
    )
    proc = _voicer("render", "empty.md", "-o", "ep.mp3", "--engine", "offline", cwd=tmp_path)
    _refused(proc, "no turns")
    assert not (tmp_path / "ep.mp3").exists() and not (tmp_path / "ep.srt").exists()
    with pytest.raises(InputError, match="no turns"):
        voicer.render(_script(["[laughs]"]), tmp_path / "ep.mp3", engine="offline")


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("مرحبا بكم في البرنامج. اليوم نتحدث عن النماذج المفتوحة.", "Arabic"),
        ("Привет всем. Сегодня мы говорим об открытых моделях.", "Cyrillic"),
        ("こんにちは。今日はオープンなモデルについて話します。", "Japanese"),
        ("안녕하세요. 오늘은 공개 모델에 대해 이야기합니다.", "Korean"),
    ],
)
def test_an_unsupported_language_is_named(tmp_path: Path, text: str, language: str) -> None:
    src = tmp_path / "talk.txt"
    src.write_text(text + "\n", encoding="utf-8")
    with pytest.raises(InputError, match=language) as info:
        voicer.load_transcript(src)
    assert "nothing" not in str(info.value)


def test_chinese_and_english_with_a_few_foreign_words_are_kept() -> None:
    for text in (
        "我们用Claude和GPT-4，还有Ελληνικά这个词。\n",
        "Open models are great. Даже в Москве.\nYes.\n",
    ):
        assert voicer.load_transcript(text).segments


def test_voicer_errors_are_one_family() -> None:
    assert issubclass(MixError, VoicerError) and issubclass(ExportError, VoicerError)


def test_a_script_file_in_an_unsupported_language_is_named(tmp_path: Path) -> None:
    script = _script(["مرحبا بكم في البرنامج.", "اليوم نتحدث عن النماذج المفتوحة."])
    with pytest.raises(InputError, match="Arabic"):
        voicer.render(script, tmp_path / "ep.mp3", engine="offline", cache_dir=tmp_path / "cache")
    assert not (tmp_path / "cache").exists()
