"""`voicer doctor`: what can speak on this machine, and why not."""

from __future__ import annotations

import importlib.metadata
import importlib.util


def _torch_device_row() -> tuple[str, bool, str]:
    if importlib.util.find_spec("torch") is None:
        return ("torch device", False, "torch is not installed (only needed for Coqui)")
    import torch

    if torch.cuda.is_available():
        return ("torch device", True, f"cuda ({torch.cuda.get_device_name(0)})")
    mps = getattr(torch.backends, "mps", None)
    if mps is not None and mps.is_available():
        return ("torch device", True, "mps")
    return ("torch device", True, f"cpu (no CUDA), torch {torch.__version__}")


def _transformers_row() -> tuple[str, bool, str]:
    """XTTS's GPT inference needs a transformers release inside the tested range."""
    from .xtts import TRANSFORMERS_SPEC, installed_version, transformers_problem

    problem = transformers_problem()
    if problem:
        return ("transformers (XTTS)", False, problem)
    version = installed_version("transformers")
    return ("transformers (XTTS)", True, f"transformers {version} (XTTS needs {TRANSFORMERS_SPEC})")


def doctor(*, check_import: bool = True) -> list[tuple[str, bool, str]]:
    """Rows of (what, ok, detail). `check_import=False` skips importing TTS (slow)."""
    from ..errors import VoicerError
    from .coqui import coqui_import_error, model_status
    from .offline import OfflineEngine
    from .voices import default_cast, load_voices

    rows: list[tuple[str, bool, str]] = []
    ok, why = OfflineEngine().available()
    label = why.split(" from ")[0] if ok else "eSpeak NG"
    rows.append((f"offline engine ({label})", ok, why if ok else why))
    from .kokoro import KokoroEngine

    try:
        ok, why = KokoroEngine().available()
    except VoicerError as e:  # e.g. a CUDA request without onnxruntime-gpu
        ok, why = False, str(e)
    rows.append(("kokoro engine (Kokoro-82M)", ok, why))

    if importlib.util.find_spec("TTS") is None:
        rows.append(("coqui-tts", False, "not installed: pip install 'voicer[coqui]'"))
    else:
        version = importlib.metadata.version("coqui-tts")
        problem = coqui_import_error() if check_import else None
        rows.append(("coqui-tts", problem is None, problem or f"coqui-tts {version} imports"))
    rows.append(_torch_device_row())
    if importlib.util.find_spec("TTS") is not None:
        rows.append(_transformers_row())
        from .coqui_espeak import backend_status

        ok, why = backend_status()
        rows.append(("espeak phonemizer (en-vctk)", ok, why))

    try:
        voices = load_voices()
    except VoicerError as e:
        rows.append(("voice presets", False, str(e)))
        return rows
    rows.append(("voice presets", True, f"{len(voices)} presets"))
    seen: set[str] = set()
    for lang in ("zh", "en"):
        for vname in default_cast(lang, "coqui"):
            v = voices.get(vname)
            settings = v.engines.get("coqui") if v else None
            if not isinstance(settings, dict):
                continue
            model = str(settings.get("model_path") or settings.get("model", ""))
            if model in seen:
                continue
            seen.add(model)
            ok, why = model_status(settings, v)
            short = model.rsplit("/", 1)[-1]
            rows.append((f"model {short}", ok, why))
    return rows
