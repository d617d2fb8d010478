"""Shared test helpers: where the real transcripts live, and small audio measures."""

from __future__ import annotations

import os
import signal
from pathlib import Path

import numpy as np

from voicer.engines.offline import OfflineEngine

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared" / "transcripts"
MONOLOGUE = SHARED / "dafei-monologue.zh.txt"
INTERVIEW = SHARED / "huang-zuckerberg-interview.zh.md"


def excerpt(path: Path, first: int, last: int | None = None) -> str:
    """Lines first..last (1-based, inclusive) of a shared transcript, as they are."""
    lines = path.read_text(encoding="utf-8").splitlines()
    return "\n".join(lines[first - 1 : last]) + "\n"


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
