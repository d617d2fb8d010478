"""XTTS v2 specifics of the Coqui engine: the transformers versions it needs,
reference-wav checks, conditioning latents cached on disk, precision and GPU replicas.

Nothing here imports torch or TTS at module level (`voicer doctor` uses the checks).
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib.metadata
import json
import os
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from ..errors import EngineError, VoiceError

# coqui-tts 0.28 allows any transformers>=4.57, but from 5.24 on every XTTS synthesis
# fails inside Coqui's GPT inference ('NoneType' object has no attribute
# 'get_seq_length'); 5.19-5.23 are verified to work. Same range as the `coqui` extra.
TRANSFORMERS_MIN = (4, 57)
TRANSFORMERS_BELOW = (5, 24)
TRANSFORMERS_SPEC = "transformers>=4.57,<5.24"

# A clone needs enough clean speech: XTTS conditions on 6 s chunks and reads at most 30 s.
REF_MIN_SECONDS = 6.0
REF_MAX_SECONDS = 30.0
REF_MIN_RATE = 16000  # below this the speaker encoder (16 kHz) gets less than it needs
REF_MAX_RATE = 192000
REF_SILENT_DBFS = -50.0  # RMS of the whole file; quieter is silence or a broken recording

VOICE_CACHE_ENV = "VOICER_VOICE_CACHE_DIR"
PRECISIONS = ("fp32", "fp16", "bf16")
# GPU memory one XTTS v2 replica needs in a worker process: fp32 weights (~1.9 GB),
# activations and the process's own CUDA context. fp16/bf16 halve the weights only.
XTTS_REPLICA_BYTES = 4 * 1024**3
MAX_AUTO_REPLICAS = 8


# ------------------------------------------------------------ transformers


def installed_version(dist: str) -> str | None:
    """The installed version of a distribution, or None (tests monkeypatch this)."""
    try:
        return importlib.metadata.version(dist)
    except importlib.metadata.PackageNotFoundError:
        return None


def _release(version: str) -> tuple[int, ...]:
    return tuple(int(x) for x in re.findall(r"\d+", version.split("+")[0])[:3])


def transformers_problem() -> str | None:
    """None when the installed transformers runs XTTS, else one sentence saying what to install."""
    version = installed_version("transformers")
    if version is None:
        return f"transformers is not installed (XTTS needs it); run `pip install '{TRANSFORMERS_SPEC}'`."
    release = _release(version)
    if TRANSFORMERS_MIN <= release[:2] < TRANSFORMERS_BELOW:
        return None
    return (
        f"transformers {version} breaks XTTS synthesis in coqui-tts; "
        f"run `pip install '{TRANSFORMERS_SPEC}'` (5.19 to 5.23 are known to work)."
    )


# ------------------------------------------------------------ reference wav


@dataclass(frozen=True)
class RefInfo:
    path: str
    seconds: float
    sample_rate: int
    sha256: str


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def check_reference_wav(path: str | os.PathLike[str], voice_name: str = "") -> RefInfo:
    """Check a clone's reference recording before any model loads: readable, 6-30 s,
    a usable sample rate, not silent. Raises VoiceError with one sentence."""
    p = Path(path)
    st = p.stat() if p.is_file() else None
    if st is None:
        raise VoiceError(f"{_who(voice_name)}reference_wav {p} does not exist; fix the path.")
    return _check_reference_cached(str(p.resolve()), st.st_size, st.st_mtime_ns, voice_name)


def _who(voice_name: str) -> str:
    return f"Voice '{voice_name}': " if voice_name else ""


@lru_cache(maxsize=64)
def _check_reference_cached(path: str, size: int, mtime_ns: int, voice_name: str) -> RefInfo:
    import numpy as np
    import soundfile as sf

    who = _who(voice_name)
    try:
        data, rate = sf.read(path, dtype="float32", always_2d=True)
    except Exception as e:  # soundfile raises several types for a bad file
        raise VoiceError(
            f"{who}reference_wav {path} cannot be read as audio ({str(e).strip() or type(e).__name__}); "
            "use a WAV or FLAC file of 6-30 s of speech."
        ) from e
    seconds = len(data) / float(rate) if rate else 0.0
    if not REF_MIN_RATE <= rate <= REF_MAX_RATE:
        raise VoiceError(
            f"{who}reference_wav {path} has a sample rate of {rate} Hz; record or export it at "
            f"16 kHz or more (22.05, 24, 44.1 or 48 kHz)."
        )
    if not REF_MIN_SECONDS <= seconds <= REF_MAX_SECONDS:
        raise VoiceError(
            f"{who}reference_wav {path} is {seconds:.1f} s long; use {REF_MIN_SECONDS:.0f} to "
            f"{REF_MAX_SECONDS:.0f} s of clean speech."
        )
    mono = data.mean(axis=1).astype(np.float64)
    rms = float(np.sqrt(np.mean(mono**2))) if len(mono) else 0.0
    if rms <= 0 or 20 * np.log10(rms) < REF_SILENT_DBFS:
        raise VoiceError(f"{who}reference_wav {path} is silent (or nearly); use a recording of clear speech.")
    return RefInfo(path, seconds, int(rate), _sha256(Path(path)))


# ------------------------------------------------------------ conditioning latents


def voice_cache_dir() -> Path:
    """Where cloned voices' conditioning latents are kept (`$VOICER_VOICE_CACHE_DIR`)."""
    env = os.environ.get(VOICE_CACHE_ENV)
    if env:
        return Path(env).expanduser()
    import platformdirs

    return Path(platformdirs.user_cache_dir("voicer")) / "xtts-voices"


def latents_key(ref: RefInfo, model_identity: dict[str, Any], settings: dict[str, Any]) -> str:
    """sha256 of the wav's bytes + the model's identity + the conditioning settings."""
    payload = {"wav": ref.sha256, "model": model_identity, "settings": settings, "format": 1}
    text = json.dumps(payload, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def cached_latents(
    key: str, compute: Callable[[], tuple[Any, Any]], directory: Path | None = None
) -> tuple[Any, Any]:
    """(gpt_cond_latent, speaker_embedding) from the disk cache, or computed once and stored
    atomically (several worker processes may race; each write is complete)."""
    import torch

    from ..fsutil import atomic_path

    path = (directory or voice_cache_dir()) / f"{key}.pt"
    if path.is_file():
        with contextlib.suppress(Exception):  # a damaged entry is recomputed
            data = torch.load(path, map_location="cpu", weights_only=True)
            return data["gpt_cond_latent"], data["speaker_embedding"]
    latent, embedding = compute()
    latent, embedding = latent.detach().cpu(), embedding.detach().cpu()
    try:
        with atomic_path(path) as tmp:
            torch.save({"gpt_cond_latent": latent, "speaker_embedding": embedding}, tmp)
    except OSError as e:
        raise EngineError(
            f"Cannot write the cloned voice cache {path.parent} ({e.strerror or e}); "
            f"set {VOICE_CACHE_ENV} to a writable folder."
        ) from e
    return latent, embedding


# ------------------------------------------------------------ precision and replicas


def resolve_precision(requested: str | None, device: str, *, strict: bool = True) -> str:
    """ "fp32", "fp16" or "bf16" for `device`. An unusable choice is an EngineError when
    `strict` (the user asked for it), else fp32 (a preset's wish, "on a GPU")."""
    p = (requested or "fp32").strip().lower()
    if p not in PRECISIONS:
        raise EngineError(f"Unknown precision {requested!r}; use fp32, fp16 or bf16.")
    if p == "fp32":
        return p
    if not strict:
        try:
            return resolve_precision(p, device)
        except EngineError:
            return "fp32"
    kind = device.split(":")[0]
    if kind == "cpu" and p == "fp16":
        raise EngineError("fp16 needs a GPU; use precision bf16 or fp32 on the CPU.")
    if kind == "cuda" and p == "bf16":
        import torch

        if not torch.cuda.is_bf16_supported():
            raise EngineError("This GPU has no bf16 support; use precision fp16 or fp32.")
    if kind == "mps" and p == "bf16":
        raise EngineError("bf16 is not supported on MPS; use precision fp16 or fp32.")
    return p


@contextlib.contextmanager
def autocast(precision: str, device: str) -> Iterator[None]:
    """Mixed precision for one synthesis (weights stay fp32, so quality-critical ops
    such as the softmax and layer norms run in fp32 under torch's autocast rules)."""
    if precision == "fp32":
        yield
        return
    import torch

    dtype = torch.float16 if precision == "fp16" else torch.bfloat16
    with torch.autocast(device_type=device.split(":")[0], dtype=dtype):
        yield


def decoder_in_fp32(model: Any) -> None:
    """Run XTTS's HiFi-GAN decoder outside autocast, in fp32: the GPT (the autoregressive
    loop, where the time goes) gets the mixed precision, the waveform keeps full
    precision, and XTTS's `.numpy()` on the output never meets a bf16 tensor."""
    import torch

    decoder = model.hifigan_decoder
    if getattr(decoder, "_voicer_fp32", False):
        return
    forward = decoder.forward

    def fp32_forward(latents: Any, g: Any = None) -> Any:
        with torch.autocast(device_type=latents.device.type, enabled=False):
            return forward(latents.float(), g=None if g is None else g.float())

    decoder.forward = fp32_forward
    decoder._voicer_fp32 = True


def _free_gpu_bytes(device: str) -> int:
    import torch

    index = int(device.split(":")[1]) if ":" in device else torch.cuda.current_device()
    free, _total = torch.cuda.mem_get_info(index)
    return int(free)


def gpu_replicas(
    device: str, requested: int | None = None, *, replica_bytes: int = XTTS_REPLICA_BYTES
) -> int:
    """How many copies of the model to run on `device` (one worker process each).

    CPU/MPS: 1 (torch already spreads one model over every core). CUDA: `requested`
    when given (checked against free memory), else as many as fit in 80 % of the free
    memory, at most min(8, CPU cores) (each replica's worker also needs a core)."""
    if requested is not None and requested < 1:
        raise EngineError(f"Use one GPU worker or more (got {requested}).")
    if not device.startswith("cuda"):
        return 1
    free = _free_gpu_bytes(device)
    fit = max(1, int(free * 0.8) // replica_bytes)
    if requested is not None:
        if requested > fit:
            raise EngineError(
                f"{requested} GPU workers need about {requested * replica_bytes / 1024**3:.0f} GiB but "
                f"{free / 1024**3:.1f} GiB of {device} is free; use --gpu-workers {fit} or fewer."
            )
        return requested
    return max(1, min(fit, MAX_AUTO_REPLICAS, os.cpu_count() or 1))


# ------------------------------------------------------------ a preset for the user's own voice


def _toml_str(value: str) -> str:
    return json.dumps(value, ensure_ascii=False)  # a JSON string is a valid TOML basic string


def _toml_value(value: Any) -> str:
    """A preset value (str, number, bool, list, table) as TOML."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        items = (
            f"{k if re.fullmatch(r'[A-Za-z0-9_-]+', k) else _toml_str(k)} = {_toml_value(v)}"
            for k, v in value.items()
        )
        return "{ " + ", ".join(items) + " }"
    return _toml_str(str(value))


def clone_preset_text(name: str, language: str, ref_file: str, like: Any, source: Path) -> str:
    """TOML of a preset speaking with the recording `ref_file` (relative to the preset),
    on `like`'s Coqui model, with `like`'s other engines' voices as fallbacks."""
    coqui = {
        k: v
        for k, v in (like.engines.get("coqui") or {}).items()
        if k in ("model", "model_path", "config_path")
    }
    if not coqui:
        coqui["model"] = "tts_models/multilingual/multi-dataset/xtts_v2"
    for k in ("model_path", "config_path"):  # keep paths valid from the new preset's folder
        if k in coqui and like.path and not Path(coqui[k]).expanduser().is_absolute():
            coqui[k] = str((Path(like.path).parent / coqui[k]).resolve())
    lines = [
        "# Written by `voicer voices --clone`: your own voice, cloned by XTTS v2 from the recording.",
        f"name = {_toml_str(name)}",
        f"language = {_toml_str(language)}",
        f"description = {_toml_str(f'Cloned from {source.name}')}",
        'licence = "your recording; coqui: CPML, non-commercial (XTTS v2)"',
        "",
    ]
    for engine, table in like.engines.items():  # the other engines' voices, as fallbacks
        if engine == "coqui" or not isinstance(table, dict):
            continue
        lines.append(f"[engines.{engine}]  # used with --engine {engine}")
        lines += [f"{k} = {_toml_value(v)}" for k, v in table.items() if v is not None]
        lines.append("")
    lines.append("[engines.coqui]")
    lines += [f"{k} = {_toml_str(str(v))}" for k, v in coqui.items()]
    lines.append(f"language = {_toml_str('zh-cn' if language == 'zh' else 'en')}")
    lines.append(f"reference_wav = {_toml_str(ref_file)}")
    return "\n".join(lines) + "\n"


def write_clone_preset(
    recording: str | os.PathLike[str],
    *,
    name: str | None,
    language: str | None = None,
    like: str | None = None,
    voices_dirs: tuple[str | os.PathLike[str], ...] | list[Any] = (),
) -> Path:
    """Check `recording`, copy it beside a new preset `name` (in the first of `voices_dirs`,
    else the user's voices folder) and write the preset; returns the preset's path."""
    import shutil

    from ..fsutil import atomic_path, atomic_write_text
    from ..presets import default_cast, get_voice, load_voices, user_voices_dir

    if not name or not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_.-]*", name):
        raise VoiceError("Give the clone a name of letters, digits, '-', '_' or '.', e.g. --name my-host.")
    src = Path(recording).expanduser()
    check_reference_wav(src, name)
    voices = load_voices(voices_dirs)
    if like is None:
        like = default_cast(language or "zh", "coqui")[0]
    base = get_voice(like, voices)
    language = language or base.language
    if language not in ("zh", "en"):
        raise VoiceError(f"Unsupported language {language!r}; use --language zh or en.")
    folder = Path(voices_dirs[0]).expanduser() if voices_dirs else user_voices_dir()
    preset, wav = folder / f"{name}.toml", folder / f"{name}{src.suffix.lower() or '.wav'}"
    if name in voices or preset.exists():
        raise VoiceError(f"A voice named {name!r} already exists; pick another --name.")
    if wav.exists() and wav.resolve() != src.resolve():
        raise VoiceError(f"{wav} already exists; pick another --name or move that file.")
    folder.mkdir(parents=True, exist_ok=True)
    if not wav.exists():
        with atomic_path(wav) as tmp:
            shutil.copyfile(src, tmp)
    atomic_write_text(preset, clone_preset_text(name, language, wav.name, base, src))
    return preset
