"""Loudness measurement (ITU-R BS.1770 via pyloudnorm) and mastering to a target.

Mastering = one gain to the integrated-loudness target, then a true-peak
brick-wall limiter only when the gained signal would cross the ceiling, then a
final safety trim. Everything works on float32 arrays in place where possible,
because a 60-minute episode at 44.1 kHz is ~600 MB per channel.
"""

from __future__ import annotations

import math

import numpy as np

# soxr streams the 4x oversampling in blocks so memory stays bounded.
_TP_BLOCK_SECONDS = 20.0


def integrated_lufs(samples: np.ndarray, sample_rate: int) -> float:
    """Integrated loudness in LUFS; -inf for silence or audio shorter than one 400 ms block."""
    import pyloudnorm

    if samples.shape[0] < int(0.4 * sample_rate) + 1:
        return -math.inf
    meter = pyloudnorm.Meter(sample_rate)
    with np.errstate(divide="ignore"):
        value = float(meter.integrated_loudness(samples))
    return value if math.isfinite(value) else -math.inf


def true_peak_dbtp(samples: np.ndarray, sample_rate: int, oversample: int = 4) -> float:
    """Peak of the 4x-oversampled signal in dBTP (BS.1770 annex 2 style estimate)."""
    import soxr

    x = samples if samples.ndim == 2 else samples[:, None]
    channels = x.shape[1]
    stream = soxr.ResampleStream(
        sample_rate, sample_rate * oversample, channels, dtype="float32", quality="HQ"
    )
    block = max(1, int(_TP_BLOCK_SECONDS * sample_rate))
    peak = 0.0
    n = x.shape[0]
    for start in range(0, max(n, 1), block):
        chunk = np.ascontiguousarray(x[start : start + block], dtype=np.float32)
        up = stream.resample_chunk(chunk, last=start + block >= n)
        if up.size:
            peak = max(peak, float(np.max(np.abs(up))))
    # Sample peak too: the resampler's filter can slightly under-read a lone spike.
    if n:
        peak = max(peak, float(np.max(np.abs(x))))
    return 20.0 * math.log10(peak) if peak > 0 else -math.inf


def measure(samples: np.ndarray, sample_rate: int) -> dict[str, float]:
    """{"integrated_lufs", "true_peak_dbtp", "sample_peak_dbfs"} of a float signal."""
    sample_peak = float(np.max(np.abs(samples))) if samples.size else 0.0
    return {
        "integrated_lufs": integrated_lufs(samples, sample_rate),
        "true_peak_dbtp": true_peak_dbtp(samples, sample_rate),
        "sample_peak_dbfs": 20.0 * math.log10(sample_peak) if sample_peak > 0 else -math.inf,
    }


def _limit(samples: np.ndarray, sample_rate: int, ceiling_db: float) -> np.ndarray:
    """True-peak brick-wall limiting (pedalboard, latency-compensated)."""
    import pedalboard

    limiter = pedalboard.BrickwallLimiter(ceiling_db=ceiling_db, true_peak=True)
    # pedalboard wants (channels, frames).
    planar = samples[None, :] if samples.ndim == 1 else samples.T
    out = limiter(np.ascontiguousarray(planar, dtype=np.float32), sample_rate)
    return np.ascontiguousarray(out[0] if samples.ndim == 1 else out.T, dtype=np.float32)


def master(
    samples: np.ndarray,
    sample_rate: int,
    *,
    target_lufs: float,
    ceiling_dbtp: float = -1.0,
    limiter_margin_db: float = 0.5,
) -> tuple[np.ndarray, dict[str, float]]:
    """Normalize to `target_lufs` and keep true peak under `ceiling_dbtp`.

    Returns the mastered float32 signal (may be `samples` itself, modified in
    place) and its measured loudness figures. The limiter aims
    `limiter_margin_db` below the ceiling because lossy encoding adds overshoot.
    """
    samples = np.asarray(samples, dtype=np.float32)
    before = integrated_lufs(samples, sample_rate)
    if not math.isfinite(before):
        figures = measure(samples, sample_rate)
        figures["gain_db"] = 0.0
        return samples, figures
    gain_db = target_lufs - before
    samples *= np.float32(10.0 ** (gain_db / 20.0))
    aim = ceiling_dbtp - limiter_margin_db
    peak = true_peak_dbtp(samples, sample_rate)
    limited = False
    for _ in range(2):
        if peak <= aim:
            break
        # Limiting lowers loudness; make it up once so the target still holds.
        samples = _limit(samples, sample_rate, aim)
        limited = True
        now = integrated_lufs(samples, sample_rate)
        if math.isfinite(now) and abs(target_lufs - now) > 0.2:
            samples *= np.float32(10.0 ** ((target_lufs - now) / 20.0))
        peak = true_peak_dbtp(samples, sample_rate)
    if peak > aim:
        # Last resort: the ceiling wins over the loudness target.
        samples *= np.float32(10.0 ** ((aim - peak) / 20.0))
    figures = measure(samples, sample_rate)
    figures["gain_db"] = gain_db
    figures["limited"] = 1.0 if limited else 0.0
    return samples, figures
