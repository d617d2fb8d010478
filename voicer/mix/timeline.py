"""Turn preparation (trim, resample) and the episode layout, all in integer samples.

Layout is computed first (where every turn, pause, stinger goes), then the
episode buffer is allocated once and filled in place: no concatenation.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


def trim_silence(
    x: np.ndarray, sample_rate: int, threshold_db: float = -40.0, keep: float = 0.02
) -> np.ndarray:
    """`x` without leading/trailing silence, keeping `keep` seconds of margin.

    The threshold is relative to the turn's own peak (engines differ in level),
    with an absolute floor at -80 dBFS. Returns an empty array for silence.
    """
    if x.size == 0:
        return x
    mag = np.abs(x)
    peak = float(mag.max())
    threshold = max(1e-4, peak * 10.0 ** (threshold_db / 20.0))
    loud = np.flatnonzero(mag > threshold)
    if loud.size == 0:
        return x[:0]
    margin = int(round(keep * sample_rate))
    return x[max(0, int(loud[0]) - margin) : min(x.size, int(loud[-1]) + 1 + margin)]


def resample(x: np.ndarray, from_rate: int, to_rate: int) -> np.ndarray:
    """Mono float32 resampled with soxr (high quality); no-op at the same rate."""
    if from_rate == to_rate or x.size == 0:
        return np.asarray(x, dtype=np.float32)
    import soxr

    return np.asarray(soxr.resample(x, from_rate, to_rate, quality="HQ"), dtype=np.float32)


@dataclass
class Placement:
    """Where one spoken turn lands on the episode timeline (samples)."""

    index: int
    """Position in `script.turns()`."""
    start: int
    length: int


@dataclass
class Layout:
    placements: list[Placement]
    stingers: list[int]
    """Sample offsets where a chapter stinger starts."""
    speech_start: int
    speech_end: int


def layout(
    turns: list[tuple[int, str, float | None, int, int]],
    sample_rate: int,
    *,
    start: int,
    pause_same: float,
    pause_change: float,
    pause_chapter: float,
    stinger_length: int = 0,
) -> Layout:
    """Place turns one after another with pauses.

    `turns` holds (chapter, speaker, pause_after, length, silent_length) per
    script turn: `length` is the trimmed audio length (0 = nothing to speak),
    `silent_length` the length of an all-silent turn, kept as extra pause.
    The gap between two spoken turns is the earlier turn's `pause_after` when
    set, else a default by relation (same speaker < speaker change < chapter).
    """
    placements: list[Placement] = []
    stingers: list[int] = []
    cursor = start
    prev: int | None = None
    extra = 0.0
    for i, (chapter, speaker, pause_after, length, silent) in enumerate(turns):
        if length == 0:
            # Explicit silence in an empty turn stays silence on the timeline.
            extra += (pause_after or 0.0) + silent / sample_rate
            continue
        if prev is not None:
            p_chapter, p_speaker, p_pause, _, _ = turns[prev]
            if chapter != p_chapter:
                gap = pause_chapter if p_pause is None else p_pause
            elif p_pause is not None:
                gap = p_pause
            elif speaker != p_speaker:
                gap = pause_change
            else:
                gap = pause_same
            gap_samples = int(round((max(0.0, gap) + extra) * sample_rate))
            if chapter != p_chapter and stinger_length:
                # The stinger sits in the middle of the chapter pause.
                stingers.append(cursor + gap_samples // 2)
                gap_samples += stinger_length
            cursor += gap_samples
        elif extra:
            cursor += int(round(extra * sample_rate))
        extra = 0.0
        placements.append(Placement(i, cursor, length))
        cursor += length
        prev = i
    speech_start = placements[0].start if placements else start
    return Layout(placements, stingers, speech_start, cursor)
