"""Speech engines behind one protocol, voice presets, and `get_engine`.

- `offline`: eSpeak NG from the espeakng-loader wheel (zero downloads, instant).
- `coqui`: Coqui TTS models (XTTS v2 by default; optional install extra).
- `auto`: Coqui when it is installed and the default voices' models are on this
  machine, else offline; `engine.note` says which and why (print it once).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..errors import EngineError
from .base import Engine, split_language_spans, trim_silence
from .coqui import download_models
from .doctor import doctor
from .voices import default_cast, default_narrator, get_voice, load_voices

if TYPE_CHECKING:
    from ..model import Voice

ENGINE_NAMES = ("auto", "offline", "coqui")

__all__ = [
    "ENGINE_NAMES",
    "Engine",
    "default_cast",
    "default_narrator",
    "doctor",
    "download_models",
    "get_engine",
    "get_voice",
    "load_voices",
    "split_language_spans",
    "trim_silence",
]


def _check_device(device: str) -> str:
    d = (device or "auto").strip().lower()
    if d in ("auto", "cpu", "cuda", "mps") or (d.startswith("cuda:") and d[5:].isdigit()):
        return d
    raise EngineError(f"Unknown device {device!r}; use auto, cpu, cuda, cuda:N or mps.")


def get_engine(
    name: str = "auto",
    *,
    device: str = "auto",
    voices: dict[str, Voice] | None = None,
    agree_coqui_license: bool = False,
    language: str | None = None,
) -> Engine:
    """An engine by name ("auto" | "offline" | "coqui"); nothing heavy is loaded yet.

    `agree_coqui_license`: the user accepted the XTTS CPML licence (CLI flag); the
    environment variable COQUI_TOS_AGREED=1 means the same. `language` ("zh"/"en"):
    for "auto", only that language's default voices need a local Coqui model
    (default: both languages').
    """
    from .coqui import CoquiEngine, coqui_import_error, default_models_status
    from .offline import OfflineEngine

    key = (name or "auto").strip().lower()
    device = _check_device(device)
    if key == "offline":
        return OfflineEngine(device=device, note="offline engine (eSpeak NG), as asked")
    if key == "coqui":
        problem = coqui_import_error()
        if problem:
            raise EngineError(problem)
        return CoquiEngine(device=device, agree_license=agree_coqui_license, reason="as asked")
    if key != "auto":
        raise EngineError(f"Unknown engine {name!r}; use auto, offline or coqui.")
    if voices is None:
        voices = load_voices()
    ok, why = default_models_status(voices, languages=(language,) if language else ("zh", "en"))
    if ok:
        problem = coqui_import_error()
        if not problem:
            return CoquiEngine(device=device, agree_license=agree_coqui_license, reason=why)
        why = problem
    return OfflineEngine(device=device, note=f"offline engine (eSpeak NG): {why}")
