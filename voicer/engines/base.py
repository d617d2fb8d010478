"""The engine protocol and small helpers shared by the engines.

An engine turns one chunk of normalized text plus a `Voice` into mono float32
samples. Engines are cheap to construct; heavy state (a loaded model, the eSpeak
library) is created lazily on first use so an engine can be handed to worker
processes.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

import numpy as np

from ..errors import EngineError, VoiceError

if TYPE_CHECKING:
    from ..model import Voice

LANGUAGES = ("zh", "en")
"""Languages engines speak (the `voicer.language` table's `speech` codes)."""


@dataclass(frozen=True)
class EngineTraits:
    """How an engine must be run. The render stage and the worker pool decide from
    these, never from an engine's name."""

    sample_rate: int
    """Native output rate (Hz) of `synthesize` (the mixer resamples to 44.1 kHz)."""
    keeps_model_loaded: bool = False
    """Loading is expensive (a neural model): keep one loaded engine per long-lived worker."""
    determinism: str = "always"
    """"always": same text+voice+seed -> same samples in any process;
    "fresh-process": only reproducible in a new process (e.g. eSpeak NG's global state);
    "none": not reproducible."""
    thread_safe: bool = False
    """Several threads may call `synthesize` on one instance at once."""
    preferred_workers: int | None = None
    """Worker count that suits it (None: one per CPU core; 1: one loaded model)."""
    threads_per_worker: int | None = None
    """Intra-op threads per worker (None: cores // workers)."""
    batch_size: int = 1
    """Chunks it can take in one `synthesize_batch` call (1: no batching; `BatchEngine`)."""
    uses_gpu: bool = False
    """Runs on an accelerator (the pool then keeps one worker per model replica)."""


@runtime_checkable
class Engine(Protocol):
    """What render needs from a speech engine."""

    name: str
    """"offline" or "coqui"."""
    device: str
    """"cpu", "cuda", "mps"."""
    note: str
    """One line saying why this engine was picked (printed once by the CLI)."""
    traits: EngineTraits
    """How it must be run (see `EngineTraits`)."""

    def synthesize(self, text: str, voice: Voice, language: str) -> tuple[np.ndarray, int]:
        """Speak `text` (already normalized) with `voice`: (mono float32 samples, sample rate)."""
        ...

    def identity(self, voice: Voice) -> dict[str, Any]:
        """Everything that changes the audio for `voice` (used as the render cache key)."""
        ...

    def max_chars(self, language: str) -> int:
        """Longest chunk of text this engine should be given in one call."""
        ...

    def available(self) -> tuple[bool, str]:
        """(usable now, one-line reason)."""
        ...

    def close(self) -> None:
        """Release models; the engine may be used again afterwards (reloads lazily)."""
        ...


@runtime_checkable
class BatchEngine(Engine, Protocol):
    """An engine that can also speak several chunks in one call (optional; an engine
    without `synthesize_batch` keeps `traits.batch_size` at 1). Render groups up to
    `traits.batch_size` chunks of one turn into a call (`synthesize_chunks`)."""

    def synthesize_batch(
        self, texts: Sequence[str], voice: Voice, language: str
    ) -> list[tuple[np.ndarray, int]]:
        """Each text's (samples, rate), in order: what `synthesize` gives for it alone
        (the same samples, or within a tolerance the engine states), whatever it is
        batched with."""
        ...


def synthesize_chunks(
    engine: Engine, chunks: Sequence[str], voice: Voice, language: str
) -> Iterator[tuple[np.ndarray, int]]:
    """Each chunk's (samples, rate), in order: up to `traits.batch_size` chunks per
    `synthesize_batch` call when the engine has it, else one `synthesize` call each."""
    size = max(1, int(engine.traits.batch_size))
    batch = getattr(engine, "synthesize_batch", None)
    if size == 1 or not callable(batch):
        for chunk in chunks:
            yield engine.synthesize(chunk, voice, language)
        return
    for at in range(0, len(chunks), size):
        group = list(chunks[at : at + size])
        results = batch(group, voice, language)
        if len(results) != len(group):
            raise EngineError(f"The engine returned {len(results)} results for {len(group)} chunks.")
        yield from results


def check_language(language: str) -> str:
    """`language` when engines speak it ("zh", "en"), else a VoiceError."""
    from ..language import speech_codes

    if language not in speech_codes():
        raise VoiceError(f"Unsupported language {language!r}; use 'zh' or 'en'.")
    return language


def engine_settings(voice: Voice, engine: str) -> dict[str, Any]:
    """The preset's settings table for `engine`, or a VoiceError saying what to add."""
    settings = voice.engines.get(engine)
    if not isinstance(settings, dict):
        where = f" ({voice.path})" if voice.path else ""
        raise VoiceError(
            f"Voice '{voice.name}'{where} has no [engines.{engine}] section; "
            f"add one or pick another voice with `voicer voices`."
        )
    return settings


def resolve_path(voice: Voice, value: str) -> Path:
    """A path from a preset: relative paths are relative to the preset file's folder."""
    p = Path(value).expanduser()
    if not p.is_absolute() and voice.path:
        p = Path(voice.path).resolve().parent / p
    return p


def to_mono_float32(samples: Any) -> np.ndarray:
    """Any 1-D/2-D numeric samples -> contiguous mono float32 clipped to [-1, 1]."""
    a = np.asarray(samples)
    if a.dtype == np.int16:
        a = a.astype(np.float32) / 32768.0
    a = a.astype(np.float32, copy=False)
    if a.ndim == 2:
        # Channels last (soundfile layout) unless it is clearly channels first.
        a = a.mean(axis=1) if a.shape[1] <= a.shape[0] else a.mean(axis=0)
    a = np.nan_to_num(a.reshape(-1), nan=0.0, posinf=0.0, neginf=0.0)
    return np.ascontiguousarray(np.clip(a, -1.0, 1.0), dtype=np.float32)


def trim_silence(
    samples: np.ndarray,
    sample_rate: int,
    *,
    threshold_db: float = -45.0,
    frame_ms: float = 10.0,
    keep_ms: float = 30.0,
    leading: bool = True,
) -> np.ndarray:
    """Cut the quiet tail (and head) that engines pad around speech, so the mixer
    alone decides pauses. Energy-based: a frame is speech when its RMS is within
    `threshold_db` of the loudest frame; `keep_ms` of margin is kept each side."""
    n = len(samples)
    frame = max(1, int(sample_rate * frame_ms / 1000))
    if n < frame:
        return samples
    nframes = n // frame
    frames = samples[: nframes * frame].reshape(nframes, frame).astype(np.float64)
    rms = np.sqrt(np.mean(frames**2, axis=1) + 1e-20)
    peak = float(rms.max())
    if peak <= 1e-6:
        return samples[:0]
    loud = np.nonzero(20 * np.log10(rms / peak) > threshold_db)[0]
    keep = int(sample_rate * keep_ms / 1000)
    start = max(0, int(loud[0]) * frame - keep) if leading else 0
    end = min(n, (int(loud[-1]) + 1) * frame + keep)
    return samples[start:end]


_HAN = r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_LATIN_SPAN_RE = re.compile(r"[A-Za-z][A-Za-z0-9'’.\-]*(?:[ \t]+[A-Za-z0-9][A-Za-z0-9'’.\-]*)*")


def split_language_spans(text: str, language: str) -> list[tuple[str, str]]:
    """(span, "zh"|"en") pieces of a Chinese turn; English text is one "en" span.

    Uses `voicer.text.language_spans` when the text stage provides it, else a
    plain split on runs of Latin words (digits are already read out as words by
    normalization, so they stay with the surrounding Chinese)."""
    if language != "zh":
        return [(text, language)]
    try:
        from ..text import language_spans  # the text stage's own rule, when present
    except ImportError:
        language_spans = None
    if language_spans is not None:
        spans = [(s, lang) for s, lang in language_spans(text, language) if s.strip()]
        if spans:
            return spans
    out: list[tuple[str, str]] = []
    pos = 0
    for m in _LATIN_SPAN_RE.finditer(text):
        if m.start() > pos and text[pos : m.start()].strip():
            out.append((text[pos : m.start()], "zh"))
        out.append((m.group(0), "en"))
        pos = m.end()
    if text[pos:].strip():
        out.append((text[pos:], "zh"))
    return out
