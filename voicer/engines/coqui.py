"""Coqui TTS engine (package `coqui-tts`, import name `TTS`; install extra `coqui`).

Offline behaviour, in order of the checks (so nothing hangs or prompts):
1. a preset's model is looked up in the local caches before `TTS(...)` is called
   ($TTS_HOME/tts for GitHub-hosted models, the Hugging Face cache for hub-hosted
   ones); a missing model raises ModelNotAvailableError when downloads are off
   (HF_HUB_OFFLINE=1 or VOICER_OFFLINE=1) or when the download fails;
2. a cached hub model is loaded with the hub in offline mode;
3. XTTS v2's CPML licence must have been accepted (COQUI_TOS_AGREED=1, the
   `agree_license` flag, or Coqui's own tos_agreed.txt), else an EngineError
   (never Coqui's stdin prompt);
4. Chinese word segmentation uses jieba instead of spacy-pkuseg's downloaded model;
   Coqui's `espeak` phonemizer uses eSpeak NG's library when no program is on PATH
   (coqui_espeak.py).

Checked before any model loads (render asks every voice's identity first): the
preset's studio speaker (read from speakers_xtts.pth), a clone's reference wav, the
precision, the device, and for XTTS the installed transformers (xtts.py).

XTTS: voicer calls `Xtts.inference` itself with the voice's conditioning latents (a
studio speaker's, or a clone's computed once and cached on disk), one generation per
voicer chunk (XTTS's own text splitting off), seeded per text inside a forked RNG.
Latin words inside a Chinese turn: a multilingual model (XTTS) speaks each span in
its own language; a Chinese-only model gets the letters spelled with Chinese
letter names (data/latin_letters.zh.toml).
"""

from __future__ import annotations

import contextlib
import importlib.util
import json
import os
import re
import tomllib
import zlib
from collections.abc import Iterator, Sequence
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from ..errors import EngineError, ModelNotAvailableError, VoiceError
from .base import (
    EngineTraits,
    check_language,
    engine_settings,
    resolve_path,
    split_language_spans,
    to_mono_float32,
    trim_silence,
)

if TYPE_CHECKING:
    from ..model import Voice

INSTALL_HINT = "run `pip install 'voicer[coqui]'` then `bash scripts/install_coqui.sh`"
XTTS_V2 = "tts_models/multilingual/multi-dataset/xtts_v2"
# Coqui language codes for voicer's languages.


def _coqui_code(language: str) -> str:
    from ..language import language as _language

    return _language(language).coqui


# XTTS limits one generation to ~82 chars (zh) / ~250 (en); VITS-type models take more,
# but render chunks once per language, so keep the stricter figure.
_MAX_CHARS = {"zh": 80, "en": 240}
_DATA = Path(__file__).resolve().parent / "data"


# ------------------------------------------------------------ light checks
# Nothing here imports torch or TTS: `voicer doctor` and `--engine auto` use them.


@lru_cache(maxsize=1)
def _tts_package_dir() -> Path | None:
    spec = importlib.util.find_spec("TTS")
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations)))


@lru_cache(maxsize=1)
def _models_json() -> dict[str, Any]:
    pkg = _tts_package_dir()
    if pkg is None or not (pkg / ".models.json").is_file():
        return {}
    return json.loads((pkg / ".models.json").read_text(encoding="utf-8"))


def tts_data_dir() -> Path:
    """Where Coqui keeps GitHub-hosted models (same rule as coqui-tts's ModelManager)."""
    for var in ("TTS_HOME", "XDG_DATA_HOME"):
        if os.environ.get(var):
            return Path(os.environ[var]).expanduser().resolve() / "tts"
    return Path.home() / ".local" / "share" / "tts"


def model_item(name: str) -> dict[str, Any] | None:
    """The .models.json entry of a model name like tts_models/en/vctk/vits."""
    parts = name.split("/")
    if len(parts) != 4:
        return None
    node: Any = _models_json()
    for p in parts:
        if not isinstance(node, dict) or p not in node:
            return None
        node = node[p]
    return node if isinstance(node, dict) else None


def _full_name(name: str) -> str:
    return name.replace("/", "--")


def _short(name: str) -> str:
    return name.rsplit("/", 1)[-1]


def _downloads_off() -> bool:
    return any(
        os.environ.get(v, "").strip().lower() in ("1", "true", "yes")
        for v in ("HF_HUB_OFFLINE", "VOICER_OFFLINE")
    )


def _can_reach(host: str, timeout: float = 5.0) -> bool:
    """Quick TCP probe before a download: Coqui's downloader has no timeout and would
    hang on a network that drops packets."""
    import socket

    try:
        with socket.create_connection((host, 443), timeout=timeout):
            return True
    except OSError:
        return False


def _hf_cache_dir() -> str | None:
    """The hub cache as the environment says now (huggingface_hub reads it only at import)."""
    if os.environ.get("HF_HUB_CACHE"):
        return os.environ["HF_HUB_CACHE"]
    if os.environ.get("HF_HOME"):
        return str(Path(os.environ["HF_HOME"]) / "hub")
    return None


def _hub_snapshot(item: dict[str, Any]) -> Path | None:
    """Local snapshot of a hub-hosted model, or None (never touches the network)."""
    try:
        from huggingface_hub import snapshot_download
        from huggingface_hub.errors import LocalEntryNotFoundError
    except ImportError:
        return None
    try:
        return Path(
            snapshot_download(
                item["repo_id"],
                allow_patterns=item.get("allow"),
                ignore_patterns=item.get("ignore"),
                local_files_only=True,
                cache_dir=_hf_cache_dir(),
            )
        )
    except (LocalEntryNotFoundError, OSError, ValueError):
        return None


def model_status(settings: dict[str, Any], voice: Voice | None = None) -> tuple[bool, str]:
    """(is the preset's model on this machine, one-line reason)."""
    if settings.get("model_path"):
        mp = resolve_path(voice, settings["model_path"]) if voice else Path(settings["model_path"])
        cp = settings.get("config_path")
        folder = mp if mp.is_dir() else mp.parent  # a model file, or a model folder (XTTS)
        cpath = (resolve_path(voice, cp) if voice else Path(cp)) if cp else folder / "config.json"
        if not mp.exists():
            return False, f"model file {mp} does not exist"
        if not cpath.is_file():
            return False, f"config file {cpath} does not exist"
        return True, f"local model {mp}"
    name = settings.get("model", XTTS_V2)
    if _tts_package_dir() is None:
        return False, f"coqui-tts is not installed ({INSTALL_HINT})"
    item = model_item(name)
    if item is None:
        return False, f"{name} is not a Coqui model name (see `tts --list_models`)"
    if "repo_id" in item:
        found = _hub_snapshot(item)
        if found is not None and any(found.glob("*.json")):
            return True, f"{_short(name)} found in the Hugging Face cache"
        return False, f"{_short(name)} is not downloaded (Hugging Face repo {item['repo_id']})"
    folder = tts_data_dir() / _full_name(name)
    if folder.is_dir() and any(folder.glob("*.pth")):
        return True, f"{_short(name)} found in {folder.parent}"
    return False, f"{_short(name)} is not downloaded (looked in {folder.parent})"


def how_to_get(name: str) -> str:
    return (
        f"run `voicer doctor --download` (or any render with --engine coqui) once on a machine with "
        f"internet, or copy the model into {tts_data_dir()} / the Hugging Face cache (TTS_HOME, HF_HOME)"
    )


def default_models_status(
    voices: dict[str, Voice], languages: tuple[str, ...] = ("zh", "en")
) -> tuple[bool, str]:
    """Are the Coqui models of the default cast of `languages` all on this machine?"""
    from .voices import default_cast

    return cast_models_status(voices, [n for lang in languages for n in default_cast(lang, "coqui")])


def cast_models_status(voices: dict[str, Voice], names: Sequence[str]) -> tuple[bool, str]:
    """Are the Coqui models of these voices (the ones a script casts) all on this machine?"""
    if _tts_package_dir() is None:
        return False, f"coqui-tts is not installed ({INSTALL_HINT})"
    found: list[str] = []
    for vname in dict.fromkeys(names):
        v = voices.get(vname)
        if v is None or not isinstance(v.engines.get("coqui"), dict):
            return False, f"voice {vname} has no Coqui settings"
        ok, why = model_status(v.engines["coqui"], v)
        if not ok:
            return False, why
        found.append(why)
    return True, "; ".join(dict.fromkeys(found))


@lru_cache(maxsize=1)
def coqui_import_error() -> str | None:
    """None when `import TTS.api` works, else one sentence saying how to fix it."""
    if _tts_package_dir() is None:
        return f"Coqui TTS is not installed; {INSTALL_HINT}."
    try:
        import TTS.api  # noqa: F401
    except Exception as e:  # any failure here is an install problem for the user to fix
        first = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
        return f"Coqui TTS cannot be imported ({first}); {INSTALL_HINT}."
    return None


def resolve_device(device: str) -> str:
    """ "auto" -> cuda if torch sees a GPU, else mps, else cpu; explicit choices are checked."""
    import torch

    d = (device or "auto").lower()
    if d == "auto":
        if torch.cuda.is_available():
            return "cuda"
        mps = getattr(torch.backends, "mps", None)
        if mps is not None and mps.is_available():
            return "mps"
        return "cpu"
    if d.startswith("cuda") and not torch.cuda.is_available():
        raise EngineError(
            f"Device {device!r} was asked for but torch sees no CUDA GPU; use --device cpu or auto."
        )
    if d == "mps" and not (getattr(torch.backends, "mps", None) and torch.backends.mps.is_available()):
        raise EngineError(
            "Device 'mps' was asked for but torch has no MPS support here; use --device cpu or auto."
        )
    return d


# ------------------------------------------------------------ helpers for loading


class _JiebaSegmenter:
    """Stands in for spacy-pkuseg (whose model is downloaded on first use)."""

    def cut(self, text: str) -> list[str]:
        import logging

        import jieba

        jieba.setLogLevel(logging.WARNING)  # no "Building prefix dict..." chatter per process
        return list(jieba.cut(text))


def _install_offline_zh_segmenter() -> None:
    try:
        from TTS.tts.utils.text.chinese_mandarin import phonemizer as zh_phonemizer
    except ImportError:  # zh phonemizer deps missing: only zh VITS/Tacotron models need it
        return
    if not isinstance(getattr(zh_phonemizer, "_seg", None), _JiebaSegmenter):
        zh_phonemizer._seg = _JiebaSegmenter()


def _load_audio_soundfile(audiopath: str, sampling_rate: int) -> Any:
    """XTTS's reference-wav loader without torchaudio's native backend (CPU torch
    builds here cannot load it): soundfile + soxr, same result shape [1, n]."""
    import soundfile as sf
    import soxr
    import torch

    data, sr = sf.read(str(audiopath), dtype="float32", always_2d=True)
    mono = data.mean(axis=1)
    if sr != sampling_rate:
        mono = soxr.resample(mono, sr, sampling_rate).astype(np.float32)
    return torch.from_numpy(np.clip(mono, -1.0, 1.0)).unsqueeze(0)


def _patch_xtts_audio_loader() -> None:
    with contextlib.suppress(ImportError):
        from TTS.tts.models import xtts

        if xtts.load_audio is not _load_audio_soundfile:
            xtts.load_audio = _load_audio_soundfile


@contextlib.contextmanager
def _hub_offline() -> Iterator[None]:
    """Hub in offline mode while a cached model loads (no network round trip)."""
    old = os.environ.get("HF_HUB_OFFLINE")
    os.environ["HF_HUB_OFFLINE"] = "1"
    constants = None
    with contextlib.suppress(ImportError):
        from huggingface_hub import constants
    old_const = getattr(constants, "HF_HUB_OFFLINE", None)
    if constants is not None:
        constants.HF_HUB_OFFLINE = True
    try:
        yield
    finally:
        if old is None:
            os.environ.pop("HF_HUB_OFFLINE", None)
        else:
            os.environ["HF_HUB_OFFLINE"] = old
        if constants is not None:
            constants.HF_HUB_OFFLINE = old_const


@contextlib.contextmanager
def _tos_agreed(agreed: bool) -> Iterator[None]:
    """COQUI_TOS_AGREED=1 while a model loads when the user accepted the licence by flag
    (coqui-tts reads only the environment); the caller's environment is restored."""
    old = os.environ.get("COQUI_TOS_AGREED")
    if agreed:
        os.environ["COQUI_TOS_AGREED"] = "1"
    try:
        yield
    finally:
        if old is None:
            os.environ.pop("COQUI_TOS_AGREED", None)
        else:
            os.environ["COQUI_TOS_AGREED"] = old


@lru_cache(maxsize=1)
def _latin_letters_zh() -> dict[str, str]:
    data = tomllib.loads((_DATA / "latin_letters.zh.toml").read_text(encoding="utf-8"))
    return {k.upper(): str(v) for k, v in data["letters"].items()}


def spell_latin_zh(text: str) -> str:
    """Latin letters -> Chinese letter names ("AI" -> "诶爱"), for Chinese-only models."""
    letters = _latin_letters_zh()
    return re.sub(r"[A-Za-z]", lambda m: letters.get(m.group(0).upper(), ""), text)


def _file_stamp(p: Path) -> str:
    try:
        st = p.stat()
    except OSError:
        return "missing"
    return f"{st.st_size}:{int(st.st_mtime)}"


# ------------------------------------------------------------ the engine


def _is_xtts_settings(s: dict[str, Any]) -> bool:
    """Is the preset's model an XTTS (without loading it)?"""
    if s.get("model_path"):
        try:
            cfg = json.loads(Path(s["config_path"]).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return False
        return str(cfg.get("model", "")).lower() == "xtts"
    return "xtts" in str(s.get("model", "")).lower()


def _is_xtts(tts: Any) -> bool:
    model = getattr(getattr(tts, "synthesizer", None), "tts_model", None)
    return type(model).__name__ == "Xtts"


def _xtts_dir(s: dict[str, Any]) -> Path | None:
    """The folder holding a local or cached XTTS model's files, or None."""
    if s.get("model_path"):
        mp = Path(s["model_path"])
        return mp if mp.is_dir() else mp.parent
    item = model_item(s["model"]) or {}
    if "repo_id" in item:
        return _hub_snapshot(item)
    folder = tts_data_dir() / _full_name(s["model"])
    return folder if folder.is_dir() else None


@lru_cache(maxsize=8)
def _studio_speakers_in(path: str, stamp: str) -> tuple[str, ...]:
    import torch

    try:
        data = torch.load(path, map_location="cpu", weights_only=True)
    except Exception:  # unreadable: the model load reports it properly
        return ()
    return tuple(data) if isinstance(data, dict) else ()


def studio_speakers(s: dict[str, Any]) -> tuple[str, ...] | None:
    """XTTS studio speaker names read from speakers_xtts.pth (a few MB, not the model),
    or None when the file is not on this machine."""
    folder = _xtts_dir(s)
    f = folder / "speakers_xtts.pth" if folder else None
    if f is None or not f.is_file():
        return None
    return _studio_speakers_in(str(f), _file_stamp(f))


@contextlib.contextmanager
def _quiet_transformers() -> Iterator[None]:
    """XTTS builds its GPT config with token ids transformers warns about on every load
    (harmless; Coqui's choice): keep them off the user's terminal, then restore the level."""
    try:
        from transformers.utils import logging as hf_logging
    except ImportError:
        yield
        return
    level = hf_logging.get_verbosity()
    hf_logging.set_verbosity_error()
    try:
        yield
    finally:
        hf_logging.set_verbosity(level)


VITS_DECODE = "tail-padded-1"
"""How voicer runs a VITS model (part of the cache key; vits_batch.py)."""

BATCH_SIZES = {"cuda": 8}
"""Default sentences per VITS forward pass by device kind; 1 (no batching) elsewhere.
On CPU batching was slower: scripts/bench_engines.py, default-size VITS, 2 cores, batch 4
and 8 gave 0.66x the turns/min of batch 1 and used 1.44x its CPU time (padding and tail
frames are extra work a busy CPU pays for). A GPU needs several items per pass to be busy."""


def default_batch_size(device: str, requested: int | None = None) -> int:
    """`requested` when given (at least 1), else the device's default (`BATCH_SIZES`)."""
    if requested is not None:
        if requested < 1:
            raise EngineError(f"Use a batch size of 1 or more (got {requested}).")
        return int(requested)
    return BATCH_SIZES.get(device.split(":")[0], 1)


def _rng_devices(device: str) -> list[int]:
    if not device.startswith("cuda"):
        return []
    return [int(device.split(":")[1]) if ":" in device else 0]


class CoquiEngine:
    """Coqui TTS models, each loaded once per (model, device) for this engine's life.

    `precision`: "fp32" (default), "fp16" (GPU) or "bf16" (autocast of XTTS's GPT); without
    it, a preset's `precision` applies where the device allows it. `gpu_workers`: model
    replicas on one CUDA device, one worker process each (`traits.preferred_workers`;
    default from free GPU memory, 1 on CPU). `batch_size`: sentences of a VITS model per
    forward pass (`traits.batch_size`; default `default_batch_size(device)`).
    """

    name = "coqui"
    # Every call seeds torch from its text: the audio does not depend on call history.
    stateful = False

    def __init__(
        self,
        *,
        device: str = "auto",
        agree_license: bool = False,
        allow_download: bool = True,
        sentence_gap: float = 0.12,
        reason: str = "",
        precision: str | None = None,
        gpu_workers: int | None = None,
        batch_size: int | None = None,
    ) -> None:
        from .xtts import gpu_replicas, resolve_precision

        self.requested_device = device
        self.device = resolve_device(device)
        self.precision = resolve_precision(precision, self.device)
        self.replicas = gpu_replicas(self.device, gpu_workers)
        self.agree_license = agree_license
        self.allow_download = allow_download
        self.sentence_gap = sentence_gap
        self.note = f"Coqui engine on {self.device}" + (f": {reason}" if reason else "")
        if self.replicas > 1:
            self.note += f" ({self.replicas} model replicas)"
        on_gpu = self.device != "cpu"
        # sample_rate: XTTS's 24 kHz; models differ, synthesize() returns the real rate.
        self.traits = EngineTraits(
            sample_rate=24000,
            keeps_model_loaded=True,
            determinism="always",
            thread_safe=False,
            preferred_workers=self.replicas,
            batch_size=default_batch_size(self.device, batch_size),
            uses_gpu=on_gpu,
        )
        self._models: dict[tuple[str, str], Any] = {}
        self._latents: dict[str, tuple[Any, Any]] = {}
        self._voice_settings: dict[str, dict[str, Any]] = {}
        self._seed = 0

    # Worker processes get a copy without loaded models (they load lazily there).
    def __getstate__(self) -> dict[str, Any]:
        state = self.__dict__.copy()
        state["_models"] = {}
        state["_latents"] = {}
        return state

    def available(self) -> tuple[bool, str]:
        problem = coqui_import_error()
        if problem:
            return False, problem
        return True, f"coqui-tts on {self.device}"

    def max_chars(self, language: str) -> int:
        return _MAX_CHARS[check_language(language)]

    def seed(self, n: int) -> None:
        """Base seed mixed into the per-text seed of every call."""
        self._seed = int(n)

    # -- settings (all checks here run before any model loads: render asks for
    # every voice's identity first)

    def _settings(self, voice: Voice) -> dict[str, Any]:
        """The voice's checked settings, worked out once per voice for this engine's life
        (every chunk of a 1,000-turn render asks for them)."""
        key = json.dumps([voice.name, voice.path, voice.engines.get("coqui")], sort_keys=True, default=str)
        if key not in self._voice_settings:
            self._voice_settings[key] = self._check_settings(voice)
        return dict(self._voice_settings[key])

    def _check_settings(self, voice: Voice) -> dict[str, Any]:
        from .xtts import check_reference_wav, resolve_precision

        s = dict(engine_settings(voice, "coqui"))
        if s.get("model_path"):
            s["model_path"] = str(resolve_path(voice, s["model_path"]))
            cp, mp = s.get("config_path"), Path(s["model_path"])
            folder = mp if mp.is_dir() else mp.parent  # a model file, or a model folder (XTTS)
            s["config_path"] = str(resolve_path(voice, cp) if cp else folder / "config.json")
        else:
            s.setdefault("model", XTTS_V2)
        if s.get("precision") and self.precision == "fp32":  # the preset's wish, where the device allows
            s["precision"] = resolve_precision(s["precision"], self.device, strict=False)
        else:  # the render's choice (checked when the engine was made)
            s["precision"] = self.precision
        s["xtts"] = _is_xtts_settings(s)
        if s.get("reference_wav"):
            ref = check_reference_wav(resolve_path(voice, s["reference_wav"]), voice.name)
            s["reference_wav"], s["reference_sha256"] = ref.path, ref.sha256
        elif s["xtts"]:
            self._check_studio_speaker(s, voice)
        return s

    @staticmethod
    def _check_studio_speaker(s: dict[str, Any], voice: Voice) -> None:
        speaker = s.get("speaker")
        if not speaker:
            raise VoiceError(
                f"Voice '{voice.name}': an XTTS voice needs `speaker = \"...\"` (a studio speaker) "
                'or `reference_wav = "..."` (6-30 s of speech to clone).'
            )
        known = studio_speakers(s)
        if known is not None and speaker not in known:
            raise VoiceError(
                f"Voice '{voice.name}': the model has no studio speaker {speaker!r}; use one of "
                f"{', '.join(sorted(known)[:5])}{' ...' if len(known) > 5 else ''} (`voicer voices`)."
            )

    def _model_identity(self, s: dict[str, Any]) -> dict[str, Any]:
        import importlib.metadata

        ident: dict[str, Any] = {
            "version": importlib.metadata.version("coqui-tts"),
            "model": s.get("model_path") or s["model"],
        }
        if s.get("model_path"):
            mp = Path(s["model_path"])
            ident["model_stamp"] = _file_stamp(mp / "model.pth" if mp.is_dir() else mp)
            ident["config_stamp"] = _file_stamp(Path(s["config_path"]))
        return ident

    def identity(self, voice: Voice) -> dict[str, Any]:
        s = self._settings(voice)
        ident: dict[str, Any] = {
            "engine": "coqui",
            **self._model_identity(s),
            "speaker": s.get("speaker"),
            "language": s.get("language"),
            "sentence_gap": self.sentence_gap,
            "seed": self._seed,
        }
        if s["precision"] != "fp32":
            ident["precision"] = s["precision"]
        if s.get("reference_wav"):
            ident["reference_sha256"] = s["reference_sha256"]  # the recording, wherever it lies
        if not s["xtts"]:
            # VITS is decoded by voicer with zero latent after each sentence (vits_batch.py),
            # which changes its last ~0.1 s from what earlier versions cached.
            ident["vits_decode"] = VITS_DECODE
        return ident

    # -- loading

    def _check_license(self, name: str) -> None:
        item = model_item(name) or {}
        if not item.get("tos_required"):
            return
        if self.agree_license:
            return  # accepted by flag: `_tos_agreed` tells coqui-tts while the model loads
        agreed_file = tts_data_dir() / _full_name(name) / "tos_agreed.txt"
        if os.environ.get("COQUI_TOS_AGREED") != "1" and not agreed_file.is_file():
            raise EngineError(
                f"{_short(name)} is under the non-commercial CPML licence (https://coqui.ai/cpml); "
                f"accept it with COQUI_TOS_AGREED=1 or --agree-coqui-license, or pick a non-XTTS voice."
            )

    def _load(self, s: dict[str, Any]) -> Any:
        key = (s.get("model_path") or s["model"], self.device)
        if key in self._models:
            return self._models[key]
        problem = coqui_import_error()
        if problem:
            raise EngineError(problem)
        if s.get("xtts"):
            from .xtts import transformers_problem

            problem = transformers_problem()
            if problem:
                raise EngineError(problem)
        _install_offline_zh_segmenter()
        _patch_xtts_audio_loader()
        from .coqui_espeak import install_library_backend

        install_library_backend()  # VCTK VITS's `espeak` phonemizer, without an espeak program
        with _quiet_transformers():
            tts = self._load_local(s) if s.get("model_path") else self._load_named(s["model"])
        try:
            tts = tts.to(self.device)
        except Exception as e:
            raise EngineError(f"Cannot move the Coqui model to {self.device} ({e}); use --device cpu.") from e
        if _is_xtts(tts):
            from .xtts import decoder_in_fp32

            decoder_in_fp32(tts.synthesizer.tts_model)
        self._models[key] = tts
        return tts

    @staticmethod
    def _load_local(s: dict[str, Any]) -> Any:
        from TTS.api import TTS

        ok, why = model_status(s)
        if not ok:
            raise ModelNotAvailableError(f"Coqui model not found: {why}; fix model_path/config_path.")
        try:
            return TTS(model_path=s["model_path"], config_path=s["config_path"], progress_bar=False)
        except Exception as e:
            raise EngineError(f"Cannot load the Coqui model {s['model_path']} ({e}); check the files.") from e

    def _load_named(self, name: str) -> Any:
        from TTS.api import TTS

        if model_item(name) is None:
            raise VoiceError(f"{name!r} is not a Coqui model name; run `tts --list_models` to see them.")
        cached, _ = model_status({"model": name})
        if not cached and (_downloads_off() or not self.allow_download):
            raise ModelNotAvailableError(f"Coqui model {name} is not on this machine; {how_to_get(name)}.")
        self._check_license(name)
        hub = "repo_id" in (model_item(name) or {})
        if not cached:
            host = "huggingface.co" if hub else "github.com"
            if not _can_reach(host):
                raise ModelNotAvailableError(
                    f"Coqui model {name} is not on this machine and {host} cannot be reached; "
                    f"{how_to_get(name)}."
                )
        try:
            with _tos_agreed(self.agree_license):
                if cached and hub:
                    with _hub_offline():
                        return TTS(name, progress_bar=False)
                return TTS(name, progress_bar=True)  # downloads on first use, with progress
        except Exception as e:  # EOFError included: a licence prompt without a terminal
            if cached:
                raise EngineError(
                    f"Cannot load the Coqui model {name} ({e}); delete and re-download it."
                ) from e
            raise ModelNotAvailableError(
                f"Coqui model {name} could not be downloaded ({type(e).__name__}); {how_to_get(name)}."
            ) from e

    def close(self) -> None:
        self._models.clear()
        self._latents.clear()
        self._voice_settings.clear()
        if self.device.startswith("cuda"):
            with contextlib.suppress(Exception):
                import torch

                torch.cuda.empty_cache()

    def loaded_models(self) -> list[tuple[str, str]]:
        """(model, device) of every model loaded so far (each is loaded once)."""
        return list(self._models)

    # -- voices

    def _speaker(self, tts: Any, s: dict[str, Any], voice: Voice) -> str | None:
        speaker = s.get("speaker")
        speakers = list(tts.speakers or []) if tts.is_multi_speaker else []
        if s.get("reference_wav"):
            return None
        if speaker is None:
            if speakers:
                raise VoiceError(
                    f"Voice '{voice.name}': this model has several speakers; set speaker = one of "
                    f"{', '.join(speakers[:5])}."
                )
            return None
        if speakers and speaker not in speakers:
            raise VoiceError(
                f"Voice '{voice.name}': unknown speaker {speaker!r}; use one of {', '.join(speakers[:5])}"
                f"{' ...' if len(speakers) > 5 else ''}."
            )
        if not speakers:
            return None  # single-speaker model: the name is only a label
        return str(speaker)

    def _xtts_conditioning(self, tts: Any, s: dict[str, Any], voice: Voice) -> tuple[Any, Any]:
        """(gpt_cond_latent, speaker_embedding): a studio speaker's, or a clone's computed
        once per (recording, model) and kept on disk for every later turn and render."""
        from .xtts import cached_latents, check_reference_wav, latents_key

        model = tts.synthesizer.tts_model
        if not s.get("reference_wav"):
            speakers = getattr(model.speaker_manager, "speakers", None) or {}
            if s.get("speaker") not in speakers:
                raise VoiceError(
                    f"Voice '{voice.name}': the model has no studio speaker {s.get('speaker')!r}; "
                    f"use one of {', '.join(sorted(speakers)[:5])}."
                )
            entry = speakers[s["speaker"]]
            return entry["gpt_cond_latent"], entry["speaker_embedding"]
        cfg = model.config
        cond = {
            "gpt_cond_len": cfg.gpt_cond_len,
            "gpt_cond_chunk_len": cfg.gpt_cond_chunk_len,
            "max_ref_length": cfg.max_ref_len,
            "sound_norm_refs": cfg.sound_norm_refs,
        }
        key = latents_key(check_reference_wav(s["reference_wav"]), self._model_identity(s), cond)
        if key not in self._latents:

            def compute() -> tuple[Any, Any]:
                return model.get_conditioning_latents(audio_path=s["reference_wav"], **cond)

            self._latents[key] = cached_latents(key, compute)
        return self._latents[key]

    # -- synthesis

    @contextlib.contextmanager
    def _seeded(self, text: str) -> Iterator[None]:
        """Sampling models (VITS noise, XTTS's GPT) draw from torch's RNG: seed it from the
        text (same turn, same audio on every render), inside a forked RNG so the caller's
        random state is left as it was."""
        import torch

        with torch.random.fork_rng(devices=_rng_devices(self.device)):
            torch.manual_seed(zlib.crc32(text.encode()) ^ (self._seed & 0xFFFFFFFF))
            yield

    def _say_tts(
        self, tts: Any, text: str, speaker: str | None, lang: str | None, s: dict[str, Any], voice_name: str
    ) -> np.ndarray:
        from .xtts import autocast

        kwargs: dict[str, Any] = {"text": text, "split_sentences": False}
        if speaker:
            kwargs["speaker"] = speaker
        if lang:
            kwargs["language"] = lang
        if s.get("reference_wav"):
            kwargs["speaker_wav"] = s["reference_wav"]
        try:
            with self._seeded(text), autocast(s["precision"], self.device):
                wav = tts.tts(**kwargs)
        except (KeyError, ValueError) as e:
            raise VoiceError(f"Voice {voice_name!r} does not fit its model ({e}); check the preset.") from e
        except RuntimeError as e:
            raise EngineError(f"Coqui failed on {text[:40]!r} ({e}); try --device cpu.") from e
        return self._trimmed(tts, wav)

    def _say_xtts(
        self, tts: Any, text: str, lang: str, cond: tuple[Any, Any], s: dict[str, Any]
    ) -> np.ndarray:
        """One XTTS generation with voicer's chunk as is (XTTS's own text splitting off)."""
        from .xtts import autocast

        model = tts.synthesizer.tts_model
        cfg = model.config
        try:
            with self._seeded(text), autocast(s["precision"], self.device):
                out = model.inference(
                    text,
                    lang,
                    cond[0],
                    cond[1],
                    temperature=cfg.temperature,
                    length_penalty=cfg.length_penalty,
                    repetition_penalty=cfg.repetition_penalty,
                    top_k=cfg.top_k,
                    top_p=cfg.top_p,
                    enable_text_splitting=False,
                )
        except AttributeError as e:  # what a transformers release XTTS does not support raises
            raise EngineError(f"XTTS failed on {text[:40]!r} ({e}); check `voicer doctor`.") from e
        except RuntimeError as e:
            raise EngineError(f"Coqui failed on {text[:40]!r} ({e}); try --device cpu.") from e
        return self._trimmed(tts, out["wav"])

    def _trimmed(self, tts: Any, wav: Any) -> np.ndarray:
        # The synthesizer pads ~10,000 samples of silence after every sentence: cut it
        # (and any lead-in) so the mixer alone decides pauses.
        return trim_silence(to_mono_float32(np.asarray(wav, dtype=np.float32)), self._rate(tts))

    @staticmethod
    def _rate(tts: Any) -> int:
        return int(tts.synthesizer.output_sample_rate)

    @staticmethod
    def _sentences(tts: Any, text: str, lang: str | None) -> list[str]:
        try:
            sens = tts.synthesizer.split_into_sentences(text, lang)
        except Exception:  # no sentence splitter for this model: one piece
            sens = [text]
        return [x for x in (s.strip() for s in sens) if x and re.search(r"\w", x)]

    def _language_code(self, tts: Any, s: dict[str, Any], voice: Voice, language: str) -> str:
        code = s.get("language") or _coqui_code(language)
        try:
            languages = list(tts.languages or []) if tts.is_multi_lingual else []
        except AttributeError:  # a model without a language manager
            languages = []
        if languages and code not in languages:
            raise VoiceError(
                f"Voice '{voice.name}': the model does not speak {code!r}; use one of {', '.join(languages)}."
            )
        return code

    def synthesize(self, text: str, voice: Voice, language: str) -> tuple[np.ndarray, int]:
        return self.synthesize_batch([text], voice, language)[0]

    def synthesize_batch(
        self, texts: Sequence[str], voice: Voice, language: str
    ) -> list[tuple[np.ndarray, int]]:
        """Each text's audio, as `synthesize` gives it alone. A VITS model speaks the
        sentences of all `texts` in forward passes of up to `traits.batch_size` (each
        sentence's samples do not depend on its batch: vits_batch.py); other models
        speak them one by one."""
        check_language(language)
        s = self._settings(voice)
        tts = self._load(s)
        sr = self._rate(tts)
        multilingual = bool(tts.is_multi_lingual)
        code = self._language_code(tts, s, voice, language)
        if _is_xtts(tts):
            cond = self._xtts_conditioning(tts, s, voice)
            out = []
            for text in texts:
                # voicer's chunk is already XTTS-sized: no further sentence split.
                plan = self._pieces([text] if re.search(r"\w", text) else [], language, code, multilingual)
                spoken = [
                    [self._say_xtts(tts, piece, lang or code, cond, s) for piece, lang in spans]
                    for spans in plan
                ]
                out.append((self._assemble(spoken, sr), sr))
            return out
        speaker = self._speaker(tts, s, voice)
        plans = []
        for text in texts:
            if language == "zh" and not multilingual:
                text = spell_latin_zh(text)  # a Chinese-only model cannot read Latin letters
            sentences = self._sentences(tts, text, code if multilingual else None)
            plans.append(self._pieces(sentences, language, code, multilingual))
        flat = [piece for plan in plans for spans in plan for piece in spans]
        audio = iter(self._say_many(tts, flat, speaker, s, voice.name))
        return [(self._assemble([[next(audio) for _ in spans] for spans in plan], sr), sr) for plan in plans]

    @staticmethod
    def _pieces(
        sentences: list[str], language: str, code: str, multilingual: bool
    ) -> list[list[tuple[str, str | None]]]:
        """Per sentence, the (text, Coqui language or None) pieces the model speaks."""
        plan: list[list[tuple[str, str | None]]] = []
        for sentence in sentences:
            if language == "zh" and multilingual:
                # Each Latin span in English, the rest in Chinese, joined tightly.
                plan.append(
                    [
                        (span.strip(), code if lang == "zh" else _coqui_code("en"))
                        for span, lang in split_language_spans(sentence, "zh")
                        if re.search(r"\w", span)
                    ]
                )
            else:
                plan.append([(sentence, code if multilingual else None)])
        return plan

    def _assemble(self, spoken: list[list[np.ndarray]], sr: int) -> np.ndarray:
        """A sentence's pieces joined tightly, sentences joined with `sentence_gap`."""
        sentence_gap = np.zeros(int(sr * self.sentence_gap), dtype=np.float32)
        span_gap = np.zeros(int(sr * 0.03), dtype=np.float32)
        parts: list[np.ndarray] = []
        for pieces in spoken:
            pieces = [p for p in pieces if len(p)]
            if pieces:
                joined = [x for p in pieces for x in (p, span_gap)][:-1]
                parts.extend([np.concatenate(joined), sentence_gap])
        if not parts:
            return np.zeros(0, dtype=np.float32)
        return np.concatenate(parts[:-1]).astype(np.float32, copy=False)

    def _say_many(
        self,
        tts: Any,
        pieces: list[tuple[str, str | None]],
        speaker: str | None,
        s: dict[str, Any],
        voice_name: str,
    ) -> list[np.ndarray]:
        """The trimmed audio of each (text, language) piece, in order."""
        from .vits_batch import is_plain_vits

        if not is_plain_vits(tts):
            return [self._say_tts(tts, text, speaker, lang, s, voice_name) for text, lang in pieces]
        items = self._vits_items(tts, pieces, voice_name)
        order = sorted(range(len(items)), key=lambda i: len(items[i].ids))  # similar lengths: less padding
        size = max(1, self.traits.batch_size)
        out: list[np.ndarray] = [np.zeros(0, dtype=np.float32)] * len(items)
        for at in range(0, len(order), size):
            group = [i for i in order[at : at + size] if items[i].ids]
            if group:
                texts = [pieces[i][0] for i in group]
                for i, wav in zip(
                    group,
                    self._say_vits(tts, [items[i] for i in group], texts, speaker, s, voice_name),
                    strict=True,
                ):
                    out[i] = wav
        return out

    def _vits_items(self, tts: Any, pieces: list[tuple[str, str | None]], voice_name: str) -> list[Any]:
        """Token ids, language id and seed of each piece, as Coqui's `synthesize` makes them;
        the seed is the one `_seeded` gives the same text."""
        from .vits_batch import VitsItem

        model = tts.synthesizer.tts_model
        items = []
        for text, lang in pieces:
            try:
                language_id = model._get_language_id(lang)
                if lang is None and model.language_manager.num_languages == 1:
                    lang = model.language_manager.language_names[0]
                ids = tuple(int(t) for t in model.tokenizer.text_to_ids(text, language=lang))
            except (KeyError, ValueError) as e:
                raise VoiceError(
                    f"Voice {voice_name!r} does not fit its model ({e}); check the preset."
                ) from e
            seed = zlib.crc32(text.encode()) ^ (self._seed & 0xFFFFFFFF)
            items.append(VitsItem(ids, language_id, seed))
        return items

    def _say_vits(
        self,
        tts: Any,
        items: list[Any],
        texts: list[str],
        speaker: str | None,
        s: dict[str, Any],
        voice_name: str,
    ) -> list[np.ndarray]:
        """One forward pass over `items`, then what Coqui's synthesizer does to each output
        (its optional endpoint trim, its padding) and voicer's trimming."""
        from TTS.utils.synthesizer import PAD_SILENCE_SAMPLES

        from .vits_batch import infer
        from .xtts import autocast

        synth = tts.synthesizer
        model = synth.tts_model
        try:
            speaker_id, d_vector = model._get_speaker_id_or_dvector(
                speaker, s.get("reference_wav"), synth.voice_dir
            )
            with autocast(s["precision"], self.device):
                wavs = infer(model, items, speaker_id=speaker_id, d_vector=d_vector)
        except (KeyError, ValueError) as e:
            raise VoiceError(f"Voice {voice_name!r} does not fit its model ({e}); check the preset.") from e
        except RuntimeError as e:
            raise EngineError(f"Coqui failed on {texts[0][:40]!r} ({e}); try --device cpu.") from e
        out = []
        for wav in wavs:
            if synth.tts_config.audio.get("do_trim_silence"):
                wav = wav[: model.ap.find_endpoint(wav)]
            out.append(self._trimmed(tts, np.concatenate([wav, np.zeros(PAD_SILENCE_SAMPLES, np.float32)])))
        return out


def download_models(
    voice_names: list[str] | None = None,
    *,
    voices: dict[str, Voice] | None = None,
    agree_license: bool = False,
) -> list[tuple[str, bool, str]]:
    """Fetch the Coqui models of `voice_names` (default: the default cast of both
    languages) so later renders work offline; rows like `doctor()` (`voicer doctor --download`)."""
    from ..errors import VoicerError
    from .voices import default_cast, get_voice, load_voices

    if voices is None:
        voices = load_voices()
    if voice_names is None:
        voice_names = [n for lang in ("zh", "en") for n in default_cast(lang, "coqui")]
    problem = coqui_import_error()
    if problem:
        return [("coqui-tts", False, problem)]
    engine = CoquiEngine(device="cpu", agree_license=agree_license, allow_download=True)
    rows: list[tuple[str, bool, str]] = []
    done: set[str] = set()
    for vname in voice_names:
        voice = get_voice(vname, voices)
        try:
            s = engine._settings(voice)
        except VoicerError as e:
            rows.append((f"voice {vname}", False, str(e)))
            continue
        model = s.get("model_path") or s["model"]
        if model in done:
            continue
        done.add(model)
        label = f"model {_short(str(model))}"
        was_here, _ = model_status(s)
        try:
            engine._load(s)
        except VoicerError as e:
            rows.append((label, False, str(e)))
            continue
        rows.append((label, True, "already on this machine" if was_here else "downloaded"))
        engine.close()
    return rows
