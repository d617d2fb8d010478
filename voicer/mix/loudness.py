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
    """Integrated loudness (BS.1770-4 gating) in LUFS; -inf for silence or audio under 400 ms.

    Same K-weighting filters and gating as pyloudnorm, but filtered in 10 s
    chunks with carried filter state and energies summed per 100 ms hop, so a
    60-minute episode needs no full-length float64 copies (pyloudnorm makes
    several) and no Python loop per block.
    """
    import pyloudnorm

    n = samples.shape[0]
    if n < int(0.4 * sample_rate) + 1:
        return -math.inf
    meter = pyloudnorm.Meter(sample_rate)
    if sample_rate % 10:
        # 100 ms is not a whole number of samples: let pyloudnorm do it.
        with np.errstate(divide="ignore"):
            value = float(meter.integrated_loudness(samples))
        return value if math.isfinite(value) else -math.inf
    from scipy.signal import sosfilt

    # pyloudnorm's two biquads (high shelf, then high pass) as one SOS cascade.
    sos = np.array(
        [np.concatenate([f.b * f.passband_gain, f.a]) for f in meter._filters.values()], dtype=np.float64
    )
    x = samples if samples.ndim == 2 else samples[:, None]
    channels = x.shape[1]
    hop = sample_rate // 10
    hops = -(-n // hop)  # the last hop may be partial, as pyloudnorm's last block
    energy = np.zeros((hops, channels), dtype=np.float64)
    zi = np.zeros((sos.shape[0], 2, channels), dtype=np.float64)
    chunk = 100 * hop
    for start in range(0, n, chunk):
        y, zi = sosfilt(sos, x[start : start + chunk].astype(np.float64), axis=0, zi=zi)
        full = y.shape[0] // hop
        h0 = start // hop
        energy[h0 : h0 + full] = np.square(y[: full * hop]).reshape(full, hop, channels).sum(axis=1)
        if y.shape[0] > full * hop:
            energy[h0 + full] = np.square(y[full * hop :]).sum(axis=0)
    blocks = int(np.round((n / sample_rate - 0.4) / 0.1)) + 1
    csum = np.concatenate([np.zeros((1, channels)), np.cumsum(energy, axis=0)])
    ends = np.minimum(np.arange(blocks) + 4, hops)
    z = (csum[ends] - csum[np.arange(blocks)]) / (0.4 * sample_rate)
    weights = np.array([1.0, 1.0, 1.0, 1.41, 1.41][:channels])
    with np.errstate(divide="ignore"):
        block_lufs = -0.691 + 10.0 * np.log10(z @ weights)
        gated = block_lufs >= -70.0
        if not gated.any():
            return -math.inf
        relative = -0.691 + 10.0 * np.log10(z[gated].mean(axis=0) @ weights) - 10.0
        gated = (block_lufs > relative) & (block_lufs > -70.0)
        if not gated.any():
            return -math.inf
        value = float(-0.691 + 10.0 * np.log10(z[gated].mean(axis=0) @ weights))
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
            peak = max(peak, float(up.max()), -float(up.min()))  # no |x| temporary
    # Sample peak too: the resampler's filter can slightly under-read a lone spike.
    if n:
        peak = max(peak, float(x.max()), -float(x.min()))
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
    for _ in range(4):
        if peak <= aim:
            break
        # Limiting lowers loudness; make it up and limit again until both hold.
        samples = _limit(samples, sample_rate, aim - 0.3)  # its true-peak detection under-reads a little
        limited = True
        now = integrated_lufs(samples, sample_rate)
        if math.isfinite(now) and abs(target_lufs - now) > 0.2:
            samples *= np.float32(10.0 ** ((target_lufs - now) / 20.0))
        peak = true_peak_dbtp(samples, sample_rate)
    if not limited:
        # Pure gain: loudness and peaks scale exactly, no need for another full pass.
        sample_peak = float(np.max(np.abs(samples))) if samples.size else 0.0
        figures = {
            "integrated_lufs": before + gain_db,
            "true_peak_dbtp": peak,
            "sample_peak_dbfs": 20.0 * math.log10(sample_peak) if sample_peak > 0 else -math.inf,
            "gain_db": gain_db,
            "limited": 0.0,
        }
        return samples, figures
    if peak > aim:
        # Last resort: the ceiling wins over the loudness target.
        samples *= np.float32(10.0 ** ((aim - peak) / 20.0))
    figures = measure(samples, sample_rate)
    figures["gain_db"] = gain_db
    figures["limited"] = 1.0
    return samples, figures
