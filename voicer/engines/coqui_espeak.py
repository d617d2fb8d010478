"""Coqui's `espeak` phonemizer without an espeak program.

Coqui's published VCTK VITS model (the `en-vctk-*` presets) asks for the `espeak`
phonemizer, which runs an `espeak-ng` or `espeak` program found on PATH. voicer ships
eSpeak NG as a library (the espeakng-loader wheel, also used by the offline engine).
When no program is on PATH, `install_library_backend()` points Coqui's wrapper at that
library: same eSpeak NG, same IPA, no program and no subprocess per phrase. With a
program on PATH, Coqui keeps using it.
"""

from __future__ import annotations

import ctypes
import os
import shutil
from typing import Any

from ..errors import EngineError

_UTF8 = 1
_IPA = 0x02
_TIE_FLAG = 0x80  # bits 8-23 are a tie within multi-letter phonemes, not a separator
INSTALL_ESPEAK = (
    "install the espeak-ng program (Debian/Ubuntu: `apt install espeak-ng`) or `pip install espeakng-loader`"
)


def system_espeak() -> str | None:
    """Path of an espeak-ng/espeak program on PATH (what Coqui itself looks for), or None."""
    return shutil.which("espeak-ng") or shutil.which("espeak")


def backend_status() -> tuple[bool, str]:
    """(can Coqui's espeak phonemizer run here, one line saying with what)."""
    program = system_espeak()
    if program:
        return True, f"program {program}"
    try:
        from .offline import espeak_version

        version = espeak_version()
    except Exception as e:  # the library did not load: say what to install
        return False, f"no espeak program and the eSpeak NG library does not load ({e}); {INSTALL_ESPEAK}"
    return True, f"no espeak program needed: eSpeak NG {version} library from espeakng-loader"


def _library_ipa(text: str, voice: str, separator: str, tie: str | None) -> list[str]:
    """Phonemes of `text`, one string per clause, like `espeak-ng -q --ipa ... -f FILE` prints."""
    from .g2p import _espeak_phonemizer

    es = _espeak_phonemizer(os.getpid())
    mode = _IPA | ((_TIE_FLAG | (ord(tie) << 8)) if tie else (ord(separator) << 8) if separator else 0)
    data = text.encode("utf-8") + b"\0"
    buf = ctypes.create_string_buffer(data, len(data))
    ptr = ctypes.c_void_p(ctypes.addressof(buf))
    lines: list[str] = []
    with es.lock:  # the library is global state shared with the offline engine
        if es.lib.espeak_SetVoiceByName(voice.encode()) != 0:
            raise EngineError(f"eSpeak NG has no voice {voice!r}; {INSTALL_ESPEAK}.")
        while ptr.value:
            res = es.lib.espeak_TextToPhonemes(ctypes.byref(ptr), _UTF8, mode)
            if res and res.strip():
                lines.append(res.decode("utf-8", errors="replace").strip())
    return lines


class _Voice(ctypes.Structure):
    _fields_ = [  # espeak_VOICE of speak_lib.h
        ("name", ctypes.c_char_p),
        ("languages", ctypes.c_void_p),
        ("identifier", ctypes.c_char_p),
        ("gender", ctypes.c_ubyte),
        ("age", ctypes.c_ubyte),
        ("variant", ctypes.c_ubyte),
        ("xx1", ctypes.c_ubyte),
        ("score", ctypes.c_int),
        ("spare", ctypes.c_void_p),
    ]


def _voices_lines() -> list[str]:
    """`espeak-ng --voices` as Coqui parses it: a header, then "pty language age/gender name ..."."""
    from .offline import _espeak

    es = _espeak(os.getpid())
    fn = es.lib.espeak_ListVoices
    fn.argtypes, fn.restype = [ctypes.c_void_p], ctypes.POINTER(ctypes.POINTER(_Voice))
    lines = ["Pty Language       Age/Gender VoiceName          File                 Other Languages"]
    with es.lock:
        voices = fn(None)
        i = 0
        while voices[i]:
            v = voices[i].contents
            langs = ctypes.string_at(v.languages, 64) if v.languages else b""
            # "languages" is <priority byte><name>\0 ... ending with a 0 priority.
            lang = langs[1:].split(b"\0", 1)[0].decode("ascii", "replace")
            name = (v.name or b"").decode("utf-8", "replace").replace(" ", "_")
            if lang:
                lines.append(
                    f" {langs[0]}  {lang}  --/{'MF'[v.gender - 1] if v.gender in (1, 2) else '-'} {name}"
                )
            i += 1
    return lines


def _espeak_exe_library(espeak_lib: str, args: list[str]) -> list[str]:
    """Stands in for Coqui's `_espeak_exe` (which runs the program): the same arguments,
    the same output lines, from the library."""
    if "--voices" in args:
        return _voices_lines()
    voice = args[args.index("-v") + 1] if "-v" in args else "en-us"
    ipa = next((a.split("=", 1)[1] for a in args if a.startswith("--ipa=")), "1")
    tie = next((a.split("=", 1)[1] for a in args if a.startswith("--tie=")), None)
    with open(args[args.index("-f") + 1], encoding="utf-8") as f:
        text = f.read()
    if tie:  # Coqui passes --tie=True: espeak-ng's default tie is U+0361
        return _library_ipa(text, voice, "", "\u0361")
    return _library_ipa(text, voice, "_" if ipa in ("1", "3") else "", None)


def install_library_backend() -> bool:
    """Point Coqui's espeak wrapper at eSpeak NG's library when no program is on PATH.
    Returns True when the library backend is in use."""
    if system_espeak():
        return False
    try:
        from TTS.tts.utils.text import phonemizers
        from TTS.tts.utils.text.phonemizers import espeak_wrapper as wrapper
    except ImportError:
        return False
    if getattr(wrapper, "_voicer_library", False):
        return True
    ok, why = backend_status()
    if not ok:
        raise EngineError(f"Coqui's espeak phonemizer cannot run: {why}.")
    from .offline import espeak_version

    version = espeak_version()
    is_tool = wrapper._is_tool
    wrapper._DEF_ESPEAK_LIB, wrapper._DEF_ESPEAK_VER = "espeak-ng", version
    wrapper.get_espeakng_version = lambda: version
    wrapper._is_tool = lambda name: name == "espeak-ng" or is_tool(name)
    wrapper._espeak_exe = _espeak_exe_library
    wrapper._voicer_library = True
    # Register it as Coqui does when it finds a program at import: `espeak` by name, and
    # the default for eSpeak's languages (English included) over gruut.
    for name in ("_register_phonemizers", "_register_espeak"):
        register: Any = getattr(phonemizers, name, None)
        if register is not None:
            register()
    defaults: Any = phonemizers.DEF_LANG_TO_PHONEMIZER
    if "en-us" in defaults:
        defaults["en"] = defaults["en-us"]
    return True
