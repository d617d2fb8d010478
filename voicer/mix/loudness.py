"""Loudness measurement (ITU-R BS.1770 via pyloudnorm) and mastering to a target.

Mastering = one gain to the integrated-loudness target, then a true-peak
brick-wall limiter only when the gained signal would cross the ceiling, then a
final safety trim. Everything works on float32 arrays in place where possible,
because a 60-minute episode at 44.1 kHz is ~600 MB per channel.
"""

from __future__ import annotations

import math

import numpy as np

_CHUNK_SECONDS = 10.0


class Meter:
    """Streaming BS.1770-4 meter: integrated loudness, 4x-oversampled true peak, sample peak.

    Same K-weighting filters and gating as pyloudnorm (agrees to 1e-5 LU), but
    fed in chunks with carried filter state and energies summed per 100 ms hop,
    so a 60-minute episode (or a decoded file read block by block) needs no
    full-length float64 copies and no Python loop per 400 ms block.
    Feed chunks whose length is a multiple of 100 ms, except the last.
    """

    def __init__(self, sample_rate: int, channels: int, *, loudness: bool = True, peak: bool = True) -> None:
        if sample_rate % 10:
            raise ValueError("Meter needs a sample rate that is a multiple of 10 Hz")
        self.sample_rate = sample_rate
        self.channels = channels
        self.frames = 0
        self._hop = sample_rate // 10
        self._energy: list[np.ndarray] = []
        self._peak = 0.0
        self._true_peak = 0.0
        self._sos: np.ndarray | None = None
        self._stream = None
        if loudness:
            import pyloudnorm

            filters = pyloudnorm.Meter(sample_rate)._filters.values()
            # pyloudnorm's two biquads (high shelf, then high pass) as one SOS cascade.
            self._sos = np.array([np.concatenate([f.b * f.passband_gain, f.a]) for f in filters])
            self._zi = np.zeros((self._sos.shape[0], 2, channels), dtype=np.float64)
        if peak:
            import soxr

            self._stream = soxr.ResampleStream(
                sample_rate, 4 * sample_rate, channels, dtype="float32", quality="HQ"
            )

    def add(self, chunk: np.ndarray, last: bool = False) -> None:
        x = chunk if chunk.ndim == 2 else chunk[:, None]
        if x.shape[0]:
            self._peak = max(self._peak, float(x.max()), -float(x.min()))
        self.frames += x.shape[0]
        if self._sos is not None and x.shape[0]:
            from scipy.signal import sosfilt

            y, self._zi = sosfilt(self._sos, x.astype(np.float64), axis=0, zi=self._zi)
            hop, full = self._hop, x.shape[0] // self._hop
            self._energy.append(np.square(y[: full * hop]).reshape(full, hop, self.channels).sum(axis=1))
            if y.shape[0] > full * hop:  # only the last chunk may end in a partial hop
                self._energy.append(np.square(y[full * hop :]).sum(axis=0, keepdims=True))
        if self._stream is not None:
            up = self._stream.resample_chunk(np.ascontiguousarray(x, dtype=np.float32), last=last)
            if up.size:
                self._true_peak = max(self._true_peak, float(up.max()), -float(up.min()))

    def integrated_lufs(self) -> float:
        sr, n = self.sample_rate, self.frames
        if self._sos is None or n < int(0.4 * sr) + 1:
            return -math.inf
        energy = np.concatenate(self._energy)
        hops = energy.shape[0]
        blocks = int(np.round((n / sr - 0.4) / 0.1)) + 1
        csum = np.concatenate([np.zeros((1, self.channels)), np.cumsum(energy, axis=0)])
        ends = np.minimum(np.arange(blocks) + 4, hops)
        z = (csum[ends] - csum[np.arange(blocks)]) / (0.4 * sr)
        weights = np.array([1.0, 1.0, 1.0, 1.41, 1.41][: self.channels])
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

    def true_peak_dbtp(self) -> float:
        # Sample peak too: the resampler's filter can slightly under-read a lone spike.
        peak = max(self._peak, self._true_peak)
        return 20.0 * math.log10(peak) if peak > 0 else -math.inf

    def figures(self) -> dict[str, float]:
        return {
            "integrated_lufs": self.integrated_lufs(),
            "true_peak_dbtp": self.true_peak_dbtp(),
            "sample_peak_dbfs": 20.0 * math.log10(self._peak) if self._peak > 0 else -math.inf,
        }


def _run(samples: np.ndarray, sample_rate: int, *, loudness: bool, peak: bool) -> Meter:
    channels = 1 if samples.ndim == 1 else samples.shape[1]
    meter = Meter(sample_rate, channels, loudness=loudness, peak=peak)
    block = int(_CHUNK_SECONDS * sample_rate)
    n = samples.shape[0]
    for start in range(0, max(n, 1), block):
        meter.add(samples[start : start + block], last=start + block >= n)
    return meter


def integrated_lufs(samples: np.ndarray, sample_rate: int) -> float:
    """Integrated loudness (BS.1770-4 gating) in LUFS; -inf for silence or audio under 400 ms."""
    if samples.shape[0] < int(0.4 * sample_rate) + 1:
        return -math.inf
    if sample_rate % 10:
        # 100 ms is not a whole number of samples: let pyloudnorm do it.
        import pyloudnorm

        with np.errstate(divide="ignore"):
            value = float(pyloudnorm.Meter(sample_rate).integrated_loudness(samples))
        return value if math.isfinite(value) else -math.inf
    return _run(samples, sample_rate, loudness=True, peak=False).integrated_lufs()


def true_peak_dbtp(samples: np.ndarray, sample_rate: int) -> float:
    """Peak of the 4x-oversampled signal in dBTP (BS.1770 annex 2 style estimate)."""
    if sample_rate % 10:
        import soxr

        up = soxr.resample(samples, sample_rate, 4 * sample_rate, quality="HQ")
        peak = max(float(np.max(np.abs(up))) if up.size else 0.0, float(np.max(np.abs(samples), initial=0.0)))
        return 20.0 * math.log10(peak) if peak > 0 else -math.inf
    return _run(samples, sample_rate, loudness=False, peak=True).true_peak_dbtp()


def measure(samples: np.ndarray, sample_rate: int) -> dict[str, float]:
    """{"integrated_lufs", "true_peak_dbtp", "sample_peak_dbfs"} of a float signal, in one pass."""
    if sample_rate % 10:
        sample_peak = float(np.max(np.abs(samples), initial=0.0))
        return {
            "integrated_lufs": integrated_lufs(samples, sample_rate),
            "true_peak_dbtp": true_peak_dbtp(samples, sample_rate),
            "sample_peak_dbfs": 20.0 * math.log10(sample_peak) if sample_peak > 0 else -math.inf,
        }
    return _run(samples, sample_rate, loudness=True, peak=True).figures()


def measure_file(path: str, block_seconds: float = _CHUNK_SECONDS) -> dict[str, float]:
    """Loudness figures of an audio file, decoded block by block (bounded memory)."""
    from pedalboard.io import AudioFile

    with AudioFile(str(path)) as f:
        sr, channels = int(f.samplerate), int(f.num_channels)
        if sr % 10:
            data = np.asarray(f.read(f.frames), dtype=np.float32)
            return measure(data[0] if channels == 1 else np.ascontiguousarray(data.T), sr)
        meter = Meter(sr, channels)
        block = int(block_seconds * sr)
        while True:
            data = f.read(block)
            done = data.shape[1] < block or f.tell() >= f.frames
            meter.add(np.ascontiguousarray(data.T, dtype=np.float32), last=done)
            if done:
                break
    return meter.figures()


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
        sample_peak = max(float(samples.max()), -float(samples.min())) if samples.size else 0.0
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
