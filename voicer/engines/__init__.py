"""Speech engines behind one protocol, voice presets, and `get_engine`.

- `offline`: eSpeak NG from the espeakng-loader wheel (zero downloads, instant).
- `kokoro`: Kokoro-82M (int8 ONNX) from packages, ONNX Runtime (a real voice, no download).
- `coqui`: Coqui TTS models (XTTS v2 by default; optional install extra).
- `auto`: Coqui when it is installed and the default voices' models are on this
  machine, else Kokoro, else offline; `engine.note` says which and why (print it once).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..errors import EngineError
from .base import Engine, split_language_spans, trim_silence
from .coqui import download_models
from .doctor import doctor
from .pool import TurnJob, TurnPool, TurnResult, error_text, open_pool, run_job, speak_turn
from .voices import default_cast, default_narrator, get_voice, load_voices

if TYPE_CHECKING:
    from collections.abc import Sequence

    from ..model import Voice

ENGINE_NAMES = ("auto", "kokoro", "offline", "coqui")

__all__ = [
    "ENGINE_NAMES",
    "Engine",
    "TurnJob",
    "TurnPool",
    "TurnResult",
    "error_text",
    "open_pool",
    "run_job",
    "speak_turn",
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
    cast: Sequence[str] | None = None,
    gpu_workers: int | None = None,
    precision: str | None = None,
) -> Engine:
    """An engine by name ("auto" | "kokoro" | "offline" | "coqui"); nothing heavy is loaded yet.

    `agree_coqui_license`: the user accepted the XTTS CPML licence (CLI flag); the
    environment variable COQUI_TOS_AGREED=1 means the same. `language` ("zh"/"en"):
    for "auto", only that language's default voices need a local Coqui model
    (default: both languages'). `gpu_workers`, `precision`: Coqui on a GPU (see CoquiEngine).
    """
    from .coqui import CoquiEngine, cast_models_status, coqui_import_error, default_models_status
    from .offline import OfflineEngine

    key = (name or "auto").strip().lower()
    device = _check_device(device)
    if key == "offline":
        return OfflineEngine(device=device, note="offline engine (eSpeak NG), as asked")
    if key == "kokoro":
        from .kokoro import KokoroEngine

        engine = KokoroEngine(device=device, note="Kokoro engine (Kokoro-82M), as asked")
        usable, problem = engine.available()
        if not usable:
            raise EngineError(problem)
        return engine
    if key == "coqui":
        problem = coqui_import_error()
        if problem:
            raise EngineError(problem)
        return CoquiEngine(
            device=device,
            agree_license=agree_coqui_license,
            reason="as asked",
            gpu_workers=gpu_workers,
            precision=precision,
        )
    if key != "auto":
        raise EngineError(f"Unknown engine {name!r}; use auto, kokoro, offline or coqui.")
    if voices is None:
        voices = load_voices()
    if cast:  # "auto" decides from the voices actually cast, when the caller knows them
        ok, why = cast_models_status(voices, cast)
    else:
        ok, why = default_models_status(voices, languages=(language,) if language else ("zh", "en"))
    if ok:
        problem = coqui_import_error()
        if not problem:
            return CoquiEngine(
                device=device,
                agree_license=agree_coqui_license,
                reason=why,
                gpu_workers=gpu_workers,
                precision=precision,
            )
        why = problem
    return _kokoro_or_offline(device, why, [voices[n] for n in cast or () if n in voices])


def _kokoro_or_offline(device: str, why_not_coqui: str, cast: list[Voice]) -> Engine:
    """Kokoro when its packages are installed (and every cast voice has Kokoro settings),
    else eSpeak NG; the note says why."""
    from .kokoro import KokoroEngine
    from .offline import OfflineEngine

    kokoro = KokoroEngine(device=device, note=f"Kokoro engine (Kokoro-82M): {why_not_coqui}")
    usable, problem = kokoro.available()
    lacking = [v.name for v in cast if "kokoro" not in v.engines]
    if usable and lacking:
        usable, problem = False, f"voice {lacking[0]} has no [engines.kokoro] section"
    if usable:
        return kokoro
    return OfflineEngine(device=device, note=f"offline engine (eSpeak NG): {why_not_coqui}; {problem}")
