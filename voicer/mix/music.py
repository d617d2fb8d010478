"""Intro/outro music and chapter stingers from user files: loading, fades, ducking."""

from __future__ import annotations

import functools
import os
from pathlib import Path

import numpy as np

from voicer.errors import InputError


def load_music(path: str | os.PathLike[str], sample_rate: int, channels: int) -> np.ndarray:
    """Read a music file at `sample_rate` as float32 (n,) for 1 channel or (n, 2) for 2.

    pedalboard reads MP3/WAV/FLAC/OGG without a system ffmpeg.
    """
    return _load_cached(str(Path(path).expanduser().resolve()), sample_rate, channels).copy()


@functools.lru_cache(maxsize=8)
def _load_cached(path: str, sample_rate: int, channels: int) -> np.ndarray:
    from pedalboard.io import AudioFile

    if not Path(path).is_file():
        raise InputError(f"Music file {path} does not exist; give the path of a WAV, FLAC, OGG or MP3 file.")
    try:
        with AudioFile(path) as f:
            resampled = f.resampled_to(sample_rate) if f.samplerate != sample_rate else f
            data = resampled.read(resampled.frames)  # (channels, frames)
    except Exception as exc:  # pedalboard raises plain RuntimeError/ValueError on bad files
        raise InputError(
            f"Cannot read music file {path} ({exc}); convert it to WAV, FLAC, OGG or MP3."
        ) from exc
    data = np.asarray(data, dtype=np.float32)
    if data.shape[1] == 0:
        raise InputError(f"Music file {path} holds no audio; give a file with sound in it.")
    if channels == 1:
        out = data.mean(axis=0)
    elif data.shape[0] == 1:
        out = np.repeat(data.T, 2, axis=1)
    else:
        out = data[:2].T
    return np.ascontiguousarray(out, dtype=np.float32)


def fade(x: np.ndarray, sample_rate: int, fade_in: float = 0.0, fade_out: float = 0.0) -> np.ndarray:
    """Apply equal-power (sine) fades in place and return `x`."""
    n = x.shape[0]
    for seconds, is_in in ((fade_in, True), (fade_out, False)):
        k = min(n, int(round(seconds * sample_rate)))
        if k <= 1:
            continue
        ramp = np.sin(np.linspace(0.0, np.pi / 2, k, dtype=np.float32))
        if not is_in:
            ramp = ramp[::-1]
        if x.ndim == 2:
            ramp = ramp[:, None]
        if is_in:
            x[:k] *= ramp
        else:
            x[n - k :] *= ramp
    return x


def duck_gain(
    start: int,
    length: int,
    speech: list[tuple[int, int]],
    sample_rate: int,
    duck_db: float,
    ramp: float,
) -> np.ndarray:
    """Per-sample gain for music placed at [start, start+length): `duck_db` under speech.

    `speech` holds (start, end) sample intervals of turns on the episode timeline.
    The activity mask is computed on 10 ms frames and smoothed with a centred
    ramp, so the music dips just before a voice starts and recovers after it stops.
    """
    hop = max(1, sample_rate // 100)
    frames = length // hop + 2
    mask = np.zeros(frames, dtype=np.float32)
    end = start + length
    for s, e in speech:
        if e <= start or s >= end:
            continue
        a = max(0, (s - start) // hop)
        b = min(frames, (e - start) // hop + 1)
        mask[a:b] = 1.0
    width = max(1, int(round(ramp * 100)))
    if width > 1:
        # Dilate then smooth: the dip is complete before the first syllable.
        kernel = np.ones(width, dtype=np.float32) / width
        padded = np.convolve(mask, np.ones(width, dtype=np.float32), mode="same")
        mask = np.convolve(np.minimum(padded, 1.0), kernel, mode="same")
    floor = 10.0 ** (duck_db / 20.0)
    gain_frames = 1.0 - (1.0 - floor) * np.clip(mask, 0.0, 1.0)
    positions = np.arange(length, dtype=np.float64) / hop
    return np.interp(positions, np.arange(frames), gain_frames).astype(np.float32)
