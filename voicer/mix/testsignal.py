"""Synthetic speech-like signals for tests and benchmarks (no TTS model needed).

A harmonic tone with a gliding pitch, amplitude-modulated at a syllable rate
(~4-5 syllables/s with short gaps), wrapped in a little silence so trimming has
something to trim. Each speaker gets a distinct pitch.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from voicer.model import Script, TurnAudio


def speech_like(
    seconds: float,
    sample_rate: int,
    *,
    f0: float = 140.0,
    seed: int = 0,
    level_db: float = -12.0,
    pad: float = 0.15,
) -> np.ndarray:
    """Mono float32: `pad` s of near-silence, `seconds` of 'speech', `pad` s of near-silence."""
    rng = np.random.default_rng(seed)
    n = max(1, int(round(seconds * sample_rate)))
    t = np.arange(n, dtype=np.float64) / sample_rate
    # Slow pitch glide like intonation, +-8 %.
    pitch = f0 * (1.0 + 0.08 * np.sin(2 * np.pi * rng.uniform(0.2, 0.5) * t + rng.uniform(0, 6.28)))
    phase = 2 * np.pi * np.cumsum(pitch) / sample_rate
    tone = np.zeros(n, dtype=np.float64)
    for k in range(1, 9):
        if f0 * k < sample_rate / 2.2:
            tone += np.sin(k * phase) / k
    # Syllables: random 0.15-0.3 s raised-cosine bursts separated by 0.02-0.08 s gaps.
    env = np.zeros(n, dtype=np.float64)
    pos = 0
    while pos < n:
        syl = int(rng.uniform(0.15, 0.3) * sample_rate)
        seg = min(syl, n - pos)
        env[pos : pos + seg] = np.sin(np.pi * np.arange(seg) / syl) ** 2 * rng.uniform(0.5, 1.0)
        pos += syl + int(rng.uniform(0.02, 0.08) * sample_rate)
    x = tone * env
    x *= 10.0 ** (level_db / 20.0) / max(1e-9, float(np.max(np.abs(x))))
    m = int(round(pad * sample_rate))
    out = np.zeros(n + 2 * m, dtype=np.float32)
    out[m : m + n] = x
    # A faint noise floor (-70 dBFS) in the pads, as real engines leave.
    out[:m] = rng.normal(0, 10 ** (-70 / 20), m)
    out[m + n :] = rng.normal(0, 10 ** (-70 / 20), m)
    return out


def tone_music(seconds: float, sample_rate: int, *, channels: int = 2, seed: int = 1) -> np.ndarray:
    """A chord with a beat, (n, channels) float32, as stand-in intro/outro music."""
    rng = np.random.default_rng(seed)
    n = int(round(seconds * sample_rate))
    t = np.arange(n) / sample_rate
    chord = sum(np.sin(2 * np.pi * f * t + rng.uniform(0, 6.28)) for f in (220.0, 277.18, 329.63, 440.0))
    beat = 0.6 + 0.4 * (np.sin(2 * np.pi * 2.0 * t) > 0)
    x = (0.2 * chord * beat).astype(np.float32)
    return np.repeat(x[:, None], channels, axis=1) if channels > 1 else x


def synthetic_episode(
    texts: list[list[tuple[str, str]]],
    *,
    sample_rates: tuple[int, ...] = (22050,),
    seconds_per_char: float = 0.22,
    min_seconds: float = 0.8,
    max_seconds: float | None = None,
    title: str = "Synthetic episode",
    language: str = "zh",
    pitches: tuple[float, float] = (120.0, 210.0),
    seed: int = 0,
) -> tuple[Script, list[TurnAudio]]:
    """A Script with two hosts "A"/"B" and speech-like audio for every turn.

    `texts[c]` lists (host id, text) turns of chapter c; chapter titles are
    "Chapter n". Turn length follows the text length (an empty text gives
    zero-length audio); engine rates cycle through `sample_rates`.
    """
    from voicer.model import Chapter, Host, Script, Turn, TurnAudio, spoken_text

    hosts = [Host("A", "Host A", "voice-a"), Host("B", "Host B", "voice-b")]
    chapters = [
        Chapter(f"Chapter {c + 1}", [Turn(speaker, text) for speaker, text in turns])
        for c, turns in enumerate(texts)
    ]
    script = Script(title=title, language=language, hosts=hosts, chapters=chapters)
    audio = []
    for k, (ci, ti, turn) in enumerate(script.turns()):
        sr = sample_rates[k % len(sample_rates)]
        chars = len(spoken_text(turn.text))
        if chars == 0:
            samples = np.zeros(0, dtype=np.float32)
        else:
            seconds = max(min_seconds, chars * seconds_per_char)
            if max_seconds is not None:
                seconds = min(seconds, max_seconds)
            f0 = pitches[0] if turn.speaker == "A" else pitches[1]
            samples = speech_like(seconds, sr, f0=f0, seed=seed * 100003 + k)
        audio.append(TurnAudio(ci, ti, samples, sr))
    return script, audio
