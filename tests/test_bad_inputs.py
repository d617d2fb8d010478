"""Issue 15, item 11 (inputs): a subtitle cue with a broken time is skipped with a warning,
never spoken; a FIFO or a device as input is refused at once instead of hanging."""

from __future__ import annotations

import os
import subprocess
import sys
import warnings
from pathlib import Path

import pytest

from voicer.errors import InputError, VoicerWarning
from voicer.ingest import load_transcript

BAD_SRT = (
    "1\n00:00:01,000 --> 00:00:02,000\nHello there friends.\n\n"
    "2\ngarbage --> more garbage\nThis cue has a broken time.\n\n"
    "3\n00:00:05,000 --> 00:00:06,000\nGoodbye now.\n"
)


def test_a_cue_with_a_broken_time_is_skipped_with_a_warning(tmp_path: Path) -> None:
    path = tmp_path / "bad.srt"
    path.write_text(BAD_SRT, encoding="utf-8")
    with pytest.warns(VoicerWarning, match=r"bad\.srt, line 6: skipped a subtitle cue"):
        t = load_transcript(path)
    texts = [s.text for s in t.segments]
    assert texts == ["Hello there friends.", "Goodbye now."]
    assert not any("garbage" in s or "broken" in s for s in texts)


def test_good_subtitles_give_no_warning(tmp_path: Path) -> None:
    path = tmp_path / "good.srt"
    path.write_text(BAD_SRT.replace("garbage --> more garbage", "00:00:03,000 --> 00:00:04,000"), "utf-8")
    with warnings.catch_warnings():
        warnings.simplefilter("error", VoicerWarning)
        assert len(load_transcript(path).segments) >= 2


def test_the_cli_says_the_warning_in_one_line(tmp_path: Path) -> None:
    (tmp_path / "bad.srt").write_text(BAD_SRT, encoding="utf-8")
    proc = subprocess.run(
        [sys.executable, "-m", "voicer", "script", "bad.srt", "-o", "bad.md"],
        capture_output=True, text=True, cwd=tmp_path, timeout=120,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert "voicer: warning: bad.srt, line 6: skipped a subtitle cue" in proc.stderr
    assert "garbage" not in (tmp_path / "bad.md").read_text(encoding="utf-8").split("---")[-1]


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs on this system")
def test_a_fifo_without_a_writer_is_refused_not_waited_on(tmp_path: Path) -> None:
    fifo = tmp_path / "talk.txt"
    os.mkfifo(fifo)
    with pytest.raises(InputError, match="not a regular file"):
        load_transcript(fifo)
    proc = subprocess.run(
        [sys.executable, "-m", "voicer", "render", str(fifo), "-o", str(tmp_path / "ep.mp3")],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert proc.returncode == 2 and "not a regular file" in proc.stderr, proc.stderr


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="no /dev/zero")
def test_a_device_is_refused() -> None:
    with pytest.raises(InputError, match="not a regular file"):
        load_transcript("/dev/zero")


def test_clock_times_in_prose_are_kept_not_taken_for_timestamps() -> None:
    """"Meeting at 10:30 today." read as a timestamped transcript lost the times."""
    t = load_transcript("Meeting at 10:30 today.\nWe met at 9:15 again.\n")
    text = " ".join(s.text for s in t.segments)
    assert "10:30" in text and "9:15" in text and "Meeting at" in text
    # Real timestamped transcripts still read as such.
    t = load_transcript("Ann (01:41): Hello there.\nBen (01:45): Hi.\n")
    assert [(s.speaker, s.start) for s in t.segments] == [("Ann", 101.0), ("Ben", 105.0)]
