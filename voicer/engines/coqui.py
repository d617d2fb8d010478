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
4. Chinese word segmentation uses jieba instead of spacy-pkuseg's downloaded model.

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
from collections.abc import Iterator
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
_LANG_CODE = {"zh": "zh-cn", "en": "en"}
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
        cpath = (resolve_path(voice, cp) if voice else Path(cp)) if cp else mp.parent / "config.json"
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

    if _tts_package_dir() is None:
        return False, f"coqui-tts is not installed ({INSTALL_HINT})"
    found: list[str] = []
    for lang in languages:
        for vname in default_cast(lang, "coqui"):
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


class CoquiEngine:
    """Coqui TTS models, each loaded once per (model, device) for this engine's life."""

    name = "coqui"
    # Every call seeds torch from its text: the audio does not depend on call history.
    stateful = False
    # sample_rate: XTTS's 24 kHz; models differ, synthesize() returns the real rate.
    traits = EngineTraits(
        sample_rate=24000,
        keeps_model_loaded=True,
        determinism="always",
        thread_safe=False,
        preferred_workers=1,
    )

    def __init__(
        self,
        *,
        device: str = "auto",
        agree_license: bool = False,
        allow_download: bool = True,
        sentence_gap: float = 0.12,
        reason: str = "",
    ) -> None:
        self.requested_device = device
        self.device = resolve_device(device)
        self.agree_license = agree_license
        self.allow_download = allow_download
        self.sentence_gap = sentence_gap
        self.note = f"Coqui engine on {self.device}" + (f": {reason}" if reason else "")
        self._models: dict[tuple[str, str], Any] = {}
        self._seed = 0

    # Worker processes get a copy without loaded models (they load lazily there).
    def __getstate__(self) -> dict[str, Any]:
        state = self.__dict__.copy()
        state["_models"] = {}
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

    # -- settings

    def _settings(self, voice: Voice) -> dict[str, Any]:
        s = dict(engine_settings(voice, "coqui"))
        if s.get("model_path"):
            s["model_path"] = str(resolve_path(voice, s["model_path"]))
            cp = s.get("config_path")
            s["config_path"] = str(
                resolve_path(voice, cp) if cp else Path(s["model_path"]).parent / "config.json"
            )
        else:
            s.setdefault("model", XTTS_V2)
        if s.get("reference_wav"):
            ref = resolve_path(voice, s["reference_wav"])
            if not ref.is_file():
                raise VoiceError(f"Voice '{voice.name}': reference_wav {ref} does not exist; fix the path.")
            s["reference_wav"] = str(ref)
        return s

    def identity(self, voice: Voice) -> dict[str, Any]:
        import importlib.metadata

        s = self._settings(voice)
        ident: dict[str, Any] = {
            "engine": "coqui",
            "version": importlib.metadata.version("coqui-tts"),
            "model": s.get("model_path") or s["model"],
            "speaker": s.get("speaker"),
            "language": s.get("language"),
            "sentence_gap": self.sentence_gap,
            "seed": self._seed,
        }
        if s.get("model_path"):
            ident["model_stamp"] = _file_stamp(Path(s["model_path"]))
            ident["config_stamp"] = _file_stamp(Path(s["config_path"]))
        if s.get("reference_wav"):
            ident["reference_wav"] = s["reference_wav"]
            ident["reference_stamp"] = _file_stamp(Path(s["reference_wav"]))
        return ident

    # -- loading

    def _check_license(self, name: str) -> None:
        item = model_item(name) or {}
        if not item.get("tos_required"):
            return
        if self.agree_license:
            # The user accepted it (flag): tell coqui-tts so it never prompts.
            os.environ["COQUI_TOS_AGREED"] = "1"
            return
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
        from TTS.api import TTS

        _install_offline_zh_segmenter()
        _patch_xtts_audio_loader()
        if s.get("model_path"):
            ok, why = model_status(s)
            if not ok:
                raise ModelNotAvailableError(f"Coqui model not found: {why}; fix model_path/config_path.")
            try:
                tts = TTS(model_path=s["model_path"], config_path=s["config_path"], progress_bar=False)
            except Exception as e:
                raise EngineError(
                    f"Cannot load the Coqui model {s['model_path']} ({e}); check the files."
                ) from e
        else:
            name = s["model"]
            if model_item(name) is None:
                raise VoiceError(f"{name!r} is not a Coqui model name; run `tts --list_models` to see them.")
            cached, _ = model_status(s)
            if not cached and (_downloads_off() or not self.allow_download):
                raise ModelNotAvailableError(
                    f"Coqui model {name} is not on this machine; {how_to_get(name)}."
                )
            self._check_license(name)
            if not cached:
                host = "huggingface.co" if "repo_id" in (model_item(name) or {}) else "github.com"
                if not _can_reach(host):
                    raise ModelNotAvailableError(
                        f"Coqui model {name} is not on this machine and {host} cannot be reached; "
                        f"{how_to_get(name)}."
                    )
            try:
                if cached and "repo_id" in (model_item(name) or {}):
                    with _hub_offline():
                        tts = TTS(name, progress_bar=False)
                else:
                    tts = TTS(name, progress_bar=True)  # downloads on first use, with progress
            except Exception as e:  # EOFError included: a licence prompt without a terminal
                if cached:
                    raise EngineError(
                        f"Cannot load the Coqui model {name} ({e}); delete and re-download it."
                    ) from e
                raise ModelNotAvailableError(
                    f"Coqui model {name} could not be downloaded ({type(e).__name__}); {how_to_get(name)}."
                ) from e
        try:
            tts = tts.to(self.device)
        except Exception as e:
            raise EngineError(f"Cannot move the Coqui model to {self.device} ({e}); use --device cpu.") from e
        self._models[key] = tts
        return tts

    def close(self) -> None:
        self._models.clear()
        if self.device.startswith("cuda"):
            with contextlib.suppress(Exception):
                import torch

                torch.cuda.empty_cache()

    # -- synthesis

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

    def loaded_models(self) -> list[tuple[str, str]]:
        """(model, device) of every model loaded so far (each is loaded once)."""
        return list(self._models)

    def _say(
        self, tts: Any, text: str, speaker: str | None, lang: str | None, ref: str | None, voice_name: str
    ) -> np.ndarray:
        import torch

        kwargs: dict[str, Any] = {"text": text, "split_sentences": False}
        if speaker:
            kwargs["speaker"] = speaker
        if lang:
            kwargs["language"] = lang
        if ref:
            kwargs["speaker_wav"] = ref
        # Sampling models (VITS noise, XTTS GPT) draw from torch's RNG: seed it from the
        # text so the same turn gives the same audio on every render (and two speakers
        # differ only by their voice, not by the noise drawn).
        torch.manual_seed(zlib.crc32(text.encode()) ^ (self._seed & 0xFFFFFFFF))
        try:
            wav = tts.tts(**kwargs)
        except (KeyError, ValueError) as e:
            raise VoiceError(f"Voice {voice_name!r} does not fit its model ({e}); check the preset.") from e
        except RuntimeError as e:
            raise EngineError(f"Coqui failed on {text[:40]!r} ({e}); try --device cpu.") from e
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

    def synthesize(self, text: str, voice: Voice, language: str) -> tuple[np.ndarray, int]:
        check_language(language)
        s = self._settings(voice)
        tts = self._load(s)
        sr = self._rate(tts)
        speaker = self._speaker(tts, s, voice)
        ref = s.get("reference_wav")
        multilingual = bool(tts.is_multi_lingual)
        code = s.get("language") or _LANG_CODE[language]
        try:
            languages = list(tts.languages or []) if multilingual else []
        except AttributeError:  # a model without a language manager
            languages = []
        if languages and code not in languages:
            raise VoiceError(
                f"Voice '{voice.name}': the model does not speak {code!r}; use one of {', '.join(languages)}."
            )
        if language == "zh" and not multilingual:
            text = spell_latin_zh(text)  # a Chinese-only model cannot read Latin letters

        sentence_gap = np.zeros(int(sr * self.sentence_gap), dtype=np.float32)
        span_gap = np.zeros(int(sr * 0.03), dtype=np.float32)
        parts: list[np.ndarray] = []
        for sentence in self._sentences(tts, text, code if multilingual else None):
            if language == "zh" and multilingual:
                # Each Latin span in English, the rest in Chinese, joined tightly.
                spans = [
                    (span.strip(), code if lang == "zh" else _LANG_CODE["en"])
                    for span, lang in split_language_spans(sentence, "zh")
                    if re.search(r"\w", span)
                ]
            else:
                spans = [(sentence, code if multilingual else None)]
            pieces = [self._say(tts, p, speaker, lang, ref, voice.name) for p, lang in spans]
            pieces = [p for p in pieces if len(p)]
            if pieces:
                joined = [x for p in pieces for x in (p, span_gap)][:-1]
                parts.extend([np.concatenate(joined), sentence_gap])
        if not parts:
            return np.zeros(0, dtype=np.float32), sr
        return np.concatenate(parts[:-1]).astype(np.float32, copy=False), sr


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
