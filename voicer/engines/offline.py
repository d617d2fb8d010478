"""Offline engine: eSpeak NG 1.52 from the `espeakng-loader` wheel, driven with ctypes.

Why this library: it ships its own `libespeak-ng.so` and data (Mandarin `cmn_dict`
included), so nothing is downloaded and the broken Debian package is not needed.
The library keeps global state (one voice at a time), so each process loads it
once, lazily, and every synthesis call holds a per-process lock.
"""

from __future__ import annotations

import ctypes
import os
import threading
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING, Any

import numpy as np

from ..errors import EngineError, VoiceError
from .base import EngineTraits, check_language, engine_settings, to_mono_float32, trim_silence

if TYPE_CHECKING:
    from ..model import Voice

# espeak_AUDIO_OUTPUT: AUDIO_OUTPUT_SYNCHRONOUS (samples come to our callback).
_AUDIO_OUTPUT_SYNCHRONOUS = 2
_ESPEAK_CHARS_UTF8 = 1
_POS_CHARACTER = 1
# espeak_PARAMETER values.
_RATE, _VOLUME, _PITCH, _RANGE = 1, 2, 3, 4
_EE_OK = 0

_SynthCallback = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.POINTER(ctypes.c_short), ctypes.c_int, ctypes.c_void_p)

# Chunk limits: eSpeak has no hard limit; these keep one call around 20-40 s of audio.
_MAX_CHARS = {"zh": 200, "en": 500}


@dataclass
class _Espeak:
    """The loaded library of one process."""

    lib: ctypes.CDLL
    sample_rate: int
    version: str
    lock: threading.Lock = field(default_factory=threading.Lock)
    chunks: list[np.ndarray] = field(default_factory=list)
    callback: Any = None  # keep the ctypes callback alive as long as the library


@lru_cache(maxsize=4)
def _espeak(pid: int) -> _Espeak:
    """Load and initialize eSpeak NG once per process (keyed by pid so a forked
    worker initializes its own copy instead of sharing the parent's lock)."""
    try:
        import espeakng_loader
    except ImportError as e:  # pragma: no cover - it is a base dependency
        raise EngineError("The offline engine needs espeakng-loader; run `pip install voicer`.") from e
    try:
        lib = ctypes.CDLL(espeakng_loader.get_library_path())
    except OSError as e:
        raise EngineError(f"Cannot load eSpeak NG ({e}); reinstall espeakng-loader.") from e
    data = str(espeakng_loader.get_data_path()).encode()
    lib.espeak_Initialize.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_char_p, ctypes.c_int]
    lib.espeak_Initialize.restype = ctypes.c_int
    lib.espeak_SetVoiceByName.argtypes = [ctypes.c_char_p]
    lib.espeak_SetVoiceByName.restype = ctypes.c_int
    lib.espeak_SetParameter.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_int]
    lib.espeak_SetParameter.restype = ctypes.c_int
    lib.espeak_Synth.argtypes = [
        ctypes.c_void_p,
        ctypes.c_size_t,
        ctypes.c_uint,
        ctypes.c_int,
        ctypes.c_uint,
        ctypes.c_uint,
        ctypes.c_void_p,
        ctypes.c_void_p,
    ]
    lib.espeak_Synth.restype = ctypes.c_int
    lib.espeak_Synchronize.restype = ctypes.c_int
    lib.espeak_Info.argtypes = [ctypes.c_void_p]
    lib.espeak_Info.restype = ctypes.c_char_p
    sr = lib.espeak_Initialize(_AUDIO_OUTPUT_SYNCHRONOUS, 0, data, 0)
    if sr <= 0:
        raise EngineError("eSpeak NG failed to initialize; reinstall espeakng-loader.")
    version = (lib.espeak_Info(None) or b"?").decode(errors="replace")
    state = _Espeak(lib=lib, sample_rate=sr, version=version)

    def collect(wav: Any, n: int, events: Any) -> int:
        if n > 0 and wav:
            state.chunks.append(np.ctypeslib.as_array(wav, shape=(n,)).copy())
        return 0  # 0 = go on

    state.callback = _SynthCallback(collect)
    lib.espeak_SetSynthCallback(state.callback)
    return state


def espeak_version() -> str:
    """eSpeak NG version string, e.g. "1.52.0" (loads the library)."""
    return _espeak(os.getpid()).version


class OfflineEngine:
    """eSpeak NG voices: robotic but intelligible, instant, zero downloads."""

    name = "offline"
    # The library carries state from call to call (its noise generator and more, see
    # voicer/engines/pool.py `run_isolated`): each turn is spoken in a fresh fork.
    traits = EngineTraits(
        sample_rate=22050,
        keeps_model_loaded=False,
        determinism="fresh-process",
        thread_safe=False,
        preferred_workers=None,
    )

    def __init__(self, *, device: str = "auto", note: str = "") -> None:
        # eSpeak runs on the CPU whatever was asked.
        self.device = "cpu"
        self.note = note or "offline engine (eSpeak NG)"

    def available(self) -> tuple[bool, str]:
        try:
            version = espeak_version()
        except EngineError as e:
            return False, str(e)
        return True, f"eSpeak NG {version} from espeakng-loader"

    def seed(self, n: int) -> None:
        """Fix eSpeak NG's noise generator (it is seeded from the clock at load)."""
        es = _espeak(os.getpid())
        setter = getattr(es.lib, "espeak_ng_SetRandSeed", None)
        if setter is None:  # older library: nothing to fix
            return
        setter.argtypes = [ctypes.c_long]
        setter.restype = None
        with es.lock:
            setter(int(n))

    def max_chars(self, language: str) -> int:
        return _MAX_CHARS[check_language(language)]

    @staticmethod
    def _settings(voice: Voice) -> dict[str, Any]:
        s = engine_settings(voice, "offline")
        if not isinstance(s.get("voice"), str) or not s["voice"]:
            raise VoiceError(
                f"Voice '{voice.name}' needs `voice = \"cmn+f3\"` (an eSpeak voice) in [engines.offline]."
            )
        out = {"voice": s["voice"]}
        for key, lo, hi in (("pitch", 0, 100), ("rate", 80, 450), ("range", 0, 100), ("volume", 0, 200)):
            if key in s:
                v = s[key]
                if not isinstance(v, int) or not lo <= v <= hi:
                    raise VoiceError(
                        f"Voice '{voice.name}': [engines.offline] {key} must be a whole number "
                        f"from {lo} to {hi}."
                    )
                out[key] = v
        return out

    def identity(self, voice: Voice) -> dict[str, Any]:
        s = self._settings(voice)
        return {"engine": "offline", "version": f"espeak-ng {espeak_version()}", **s}

    def synthesize(self, text: str, voice: Voice, language: str) -> tuple[np.ndarray, int]:
        check_language(language)
        s = self._settings(voice)
        es = _espeak(os.getpid())
        if not text.strip():
            return np.zeros(0, dtype=np.float32), es.sample_rate
        data = text.encode("utf-8") + b"\0"
        buf = ctypes.create_string_buffer(data, len(data))
        with es.lock:
            if es.lib.espeak_SetVoiceByName(s["voice"].encode()) != _EE_OK:
                raise VoiceError(
                    f"Voice '{voice.name}': eSpeak NG has no voice {s['voice']!r}; "
                    f"use e.g. cmn+f3, cmn+m3, en-us+f3 or en-us+m3."
                )
            # Always set every parameter: the library remembers the previous voice's.
            es.lib.espeak_SetParameter(_RATE, s.get("rate", 175), 0)
            es.lib.espeak_SetParameter(_PITCH, s.get("pitch", 50), 0)
            es.lib.espeak_SetParameter(_RANGE, s.get("range", 50), 0)
            es.lib.espeak_SetParameter(_VOLUME, s.get("volume", 100), 0)
            es.chunks.clear()
            rc = es.lib.espeak_Synth(buf, len(data), 0, _POS_CHARACTER, 0, _ESPEAK_CHARS_UTF8, None, None)
            es.lib.espeak_Synchronize()
            pcm = np.concatenate(es.chunks) if es.chunks else np.zeros(0, dtype=np.int16)
            es.chunks.clear()
        if rc != _EE_OK:
            raise EngineError(f"eSpeak NG could not speak {text[:40]!r}; check the text and try again.")
        audio = trim_silence(to_mono_float32(pcm), es.sample_rate)
        return audio, es.sample_rate

    def close(self) -> None:
        # The library stays loaded for the life of the process (it is cheap and global).
        return None
