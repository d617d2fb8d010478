"""Benchmark: mix + master + encode a long synthetic episode vs naive pydub concatenation.

    python scripts/bench_mix.py [--turns 1000] [--minutes 60] [--pydub-turns 100 200]

Prints time as a fraction of audio duration, peak memory, and the per-turn
cost of numpy layout against `out = out + seg + gap` with pydub, measured in
the same run (pydub's cost grows with the length already built, so it is
also extrapolated quadratically to the full turn count).
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

import numpy as np

from voicer.export import ExportSettings, export_episode
from voicer.mix import MixSettings, mix
from voicer.mix.testsignal import speech_like
from voicer.model import Chapter, Host, Script, Turn, TurnAudio


def build(turns: int, minutes: float, seed: int = 0) -> tuple[Script, list[TurnAudio]]:
    """`turns` alternating turns in 10 chapters, lengths drawn so the episode lasts ~`minutes`."""
    rng = np.random.default_rng(seed)
    pause = 0.4  # mean pause the mixer will add
    mean = max(0.5, minutes * 60 / turns - pause)
    seconds = rng.uniform(0.5 * mean, 1.5 * mean, turns)
    seconds *= (minutes * 60 - pause * turns) / seconds.sum()
    per_chapter = max(1, turns // 10)
    chapters: list[Chapter] = []
    audio: list[TurnAudio] = []
    for k in range(turns):
        if k % per_chapter == 0:
            chapters.append(Chapter(f"Chapter {len(chapters) + 1}"))
        speaker = "A" if k % 2 == 0 else "B"
        chapters[-1].turns.append(Turn(speaker, f"turn {k}"))
        sr = 22050 if speaker == "A" else 24000  # two engines' rates
        x = speech_like(float(seconds[k]), sr, f0=120.0 if speaker == "A" else 210.0, seed=k, pad=0.1)
        audio.append(TurnAudio(len(chapters) - 1, len(chapters[-1].turns) - 1, x, sr))
    hosts = [Host("A", "Host A", "a"), Host("B", "Host B", "b")]
    return Script("Benchmark", "en", hosts, chapters), audio


def naive_pydub(audio: list[TurnAudio], gap_ms: int = 400) -> float:
    """Seconds for `out = out + seg + gap` over the turns (24 kHz int16, as engines give)."""
    from pydub import AudioSegment

    segs = []
    for a in audio:
        pcm = (np.clip(a.samples, -1, 1) * 32767).astype(np.int16).tobytes()
        segs.append(
            AudioSegment(pcm, sample_width=2, frame_rate=a.sample_rate, channels=1).set_frame_rate(24000)
        )
    gap = AudioSegment.silent(duration=gap_ms, frame_rate=24000)
    t0 = time.perf_counter()
    out = AudioSegment.silent(duration=0, frame_rate=24000)
    for seg in segs:
        out = out + seg + gap
    return time.perf_counter() - t0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--turns", type=int, default=1000)
    ap.add_argument("--minutes", type=float, default=60.0)
    ap.add_argument("--pydub-turns", type=int, nargs="+", default=[100, 200])
    ap.add_argument("--stereo", action="store_true")
    ap.add_argument("--trace-memory", action="store_true", help="also run mix under tracemalloc (slower)")
    args = ap.parse_args(argv)

    t0 = time.perf_counter()
    script, audio = build(args.turns, args.minutes)
    print(f"built {args.turns} synthetic turns in {time.perf_counter() - t0:.1f} s (not timed below)")
    # Warm the lazy imports so one-time import cost is not counted as mixing.
    import pedalboard  # noqa: F401
    import pyloudnorm  # noqa: F401
    import scipy.signal  # noqa: F401
    import soxr  # noqa: F401

    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    t0 = time.perf_counter()
    mixed = mix(script, audio, MixSettings(stereo=args.stereo))
    t_mix = time.perf_counter() - t0
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        report = export_episode(mixed, script, Path(tmp) / "bench.mp3", ExportSettings())
        t_export = time.perf_counter() - t0
        size = report.audio.stat().st_size
    rss_peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    del mixed.samples

    # Assembly alone (trim, resample, layout, one buffer; no mastering) for a per-turn comparison.
    t0 = time.perf_counter()
    raw = mix(script, audio, MixSettings(stereo=args.stereo, normalize=False))
    t_layout = time.perf_counter() - t0

    duration = raw.timeline.duration
    total = t_mix + t_export
    episode_mb = raw.samples.nbytes / 2**20
    print(
        f"episode: {duration / 60:.1f} min, {len(raw.timeline.turns)} turns, {len(report.chapters)} chapters"
    )
    print(
        f"mix+master: {t_mix:.1f} s (assembly alone {t_layout:.1f} s)   "
        f"export (probe, encode, tag, decode+measure): {t_export:.1f} s"
    )
    print(
        f"total {total:.1f} s = {total / duration:.4f} of audio duration ({duration / total:.0f}x realtime)"
    )
    print(f"MP3 {size / 2**20:.1f} MB; re-encoded: {report.reencoded}")
    print(
        f"loudness after encoding: {report.loudness['integrated_lufs']:.2f} LUFS, "
        f"true peak {report.loudness['true_peak_dbtp']:.2f} dBTP"
    )
    print(
        f"peak memory (max RSS): {rss_peak:.0f} MB, {rss_peak - rss_before:.0f} MB above the "
        f"{rss_before:.0f} MB held before mixing "
        f"(= {(rss_peak - rss_before) / episode_mb:.1f}x the {episode_mb:.0f} MB episode buffer)"
    )
    if args.trace_memory:
        tracemalloc.start()
        mix(script, audio, MixSettings(stereo=args.stereo))
        print(f"tracemalloc peak during mix+master: {tracemalloc.get_traced_memory()[1] / 2**20:.0f} MB")
        tracemalloc.stop()

    per_turn_numpy = t_layout / args.turns
    print(f"numpy assembly per turn: {per_turn_numpy * 1000:.2f} ms ({args.turns} turns)")
    for n in args.pydub_turns:
        t = naive_pydub(audio[:n])
        extrapolated = t * (args.turns / n) ** 2  # each append copies everything built so far
        print(
            f"pydub {n} turns: {t:.2f} s = {t / n * 1000:.1f} ms/turn "
            f"({t / n / per_turn_numpy:.1f}x numpy assembly per turn); quadratic extrapolation to "
            f"{args.turns} turns: {extrapolated:.0f} s = {extrapolated / t_layout:.0f}x numpy assembly, "
            f"{extrapolated / total:.1f}x our whole mix+master+encode"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
