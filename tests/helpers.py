"""Shared test helpers: where the real transcripts live, and small audio measures."""

from __future__ import annotations

import os
import signal
from pathlib import Path
from typing import Any

import numpy as np

from voicer.engines.offline import OfflineEngine

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared" / "transcripts"
MONOLOGUE = SHARED / "dafei-monologue.zh.txt"
INTERVIEW = SHARED / "huang-zuckerberg-interview.zh.md"
# Unpunctuated Mandarin prose of our own (a name jieba does not know, a question, particles).
PROSE = (
    "在莫言的书房里我们聊了很久他说写作其实是一种修行但是很多年轻人并不这么看"
    "所以他常常劝学生多读书少上网而且要每天坚持写一点东西你觉得这个建议有用吗"
    "我觉得很有用吧因为坚持本身就是最难的事情"
)


def excerpt(path: Path, first: int, last: int | None = None) -> str:
    """Lines first..last (1-based, inclusive) of a shared transcript, as they are."""
    lines = path.read_text(encoding="utf-8").splitlines()
    return "\n".join(lines[first - 1 : last]) + "\n"


def mark_positions(sentences: list[str], marks: str = "，。？！,.?!") -> set[int]:
    """Content-character offsets (Han, letters, digits counted) where one of `marks` sits."""
    from voicer.script.sentences import content_chars

    out, pos = set(), 0
    for s in sentences:
        for ch in s:
            if content_chars(ch):
                pos += 1
            elif ch in marks:
                out.add(pos)
    return out


def interview_benchmark() -> tuple[Any, int, dict[int, str], set[int], str]:
    """scripts/bench_sentences.py's setup on the shared interview: (the bench module, content
    length, gold marks, positions inside a word, the unpunctuated text in random 6-16 character
    lines, seed 0)."""
    import random
    import sys

    sys.path.insert(0, str(REPO / "scripts"))
    import bench_sentences as b

    from voicer.ingest import load_transcript
    from voicer.model import spoken_text
    from voicer.script.sentences import content_chars

    tr = load_transcript(INTERVIEW)
    segs = [spoken_text(s.text) for s in tr.segments if s.kind == "speech" and content_chars(s.text)]
    n, gold = b.boundaries("。".join(segs))
    raw = "\n".join(b.cut_lines(b.unpunctuated(segs), random.Random(0)))
    return b, n, gold, b.word_internal(segs), raw


def median_f0(samples: np.ndarray, sr: int, fmin: float = 60.0, fmax: float = 400.0) -> float:
    """Median fundamental frequency (Hz) over voiced 40 ms frames, by autocorrelation.

    Crude but independent of the code under test: enough to tell two voices apart.
    """
    frame = int(0.04 * sr)
    hop = frame // 2
    lo, hi = int(sr / fmax), int(sr / fmin)
    f0s = []
    energy_floor = 0.1 * float(np.sqrt(np.mean(samples**2)) + 1e-9)
    for start in range(0, len(samples) - frame, hop):
        x = samples[start : start + frame].astype(np.float64)
        if np.sqrt(np.mean(x**2)) < energy_floor:
            continue
        x = x - x.mean()
        ac = np.correlate(x, x, mode="full")[frame - 1 :]
        if ac[0] <= 0:
            continue
        lag = lo + int(np.argmax(ac[lo:hi]))
        if ac[lag] / ac[0] > 0.3:
            f0s.append(sr / lag)
    return float(np.median(f0s)) if f0s else 0.0


class CrashingEngine(OfflineEngine):
    """The real offline engine, dying outright (as a C library can) on any text that
    contains one of `crash_on`."""

    def __init__(self, *crash_on: str) -> None:
        super().__init__()
        self.crash_on = crash_on

    def synthesize(self, text, voice, language):
        if any(mark in text for mark in self.crash_on):
            os.kill(os.getpid(), signal.SIGSEGV)
        return super().synthesize(text, voice, language)
