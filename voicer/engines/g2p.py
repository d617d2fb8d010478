"""Grapheme-to-phoneme for the Kokoro engine: normalized turn text -> Kokoro phonemes.

A Chinese turn is cut into language spans (`split_language_spans`): Chinese spans go
through misaki's zh G2P (its default version gives the tone-arrow IPA that Kokoro-82M
v1.0 was trained on), Latin spans through eSpeak NG's en-us IPA (the espeakng-loader
library the offline engine loads), mapped to Kokoro's phoneme set. English turns are
one Latin span. misaki's own English G2P is not used: it downloads spaCy models.
"""

from __future__ import annotations

import ctypes
import os
import re
import tomllib
from functools import lru_cache
from pathlib import Path
from typing import Any

from ..errors import EngineError
from ..resources import jieba
from .base import split_language_spans

_DATA = Path(__file__).resolve().parent / "data" / "kokoro_g2p.toml"
# espeak_TextToPhonemes: bit 1 = IPA; bit 7 + bits 8-23 = tie character between the
# letters of one multi-letter phoneme ("a^ɪ"), which the mapping table relies on.
_IPA_WITH_TIE = 0x02 | 0x80 | (ord("^") << 8)
_UTF8 = 1
# Clause punctuation kept between eSpeak calls (eSpeak drops it from its phonemes).
_CLAUSE_RE = re.compile(r"([,.!?;:…—“”()]+)")
# Single capitals spelled out by normalization ("A I", "G P T") read as one acronym;
# eSpeak would read a lone "A" as the article.
_LETTER_RUN_RE = re.compile(r"\b[A-Z](?: [A-Z]\b)+")


@lru_cache(maxsize=1)
def _tables() -> tuple[list[tuple[str, str]], dict[str, str]]:
    data: dict[str, Any] = tomllib.loads(_DATA.read_text(encoding="utf-8"))
    e2m = sorted(data["espeak_to_kokoro"].items(), key=lambda kv: -len(kv[0]))
    return e2m, dict(data["punctuation"])


def _fold_punctuation(text: str) -> str:
    punct = _tables()[1]
    return "".join(punct.get(ch, ch) for ch in text)


@lru_cache(maxsize=4)
def _espeak_phonemizer(pid: int) -> Any:
    """eSpeak NG's TextToPhonemes from the library the offline engine loads (per process)."""
    from .offline import _espeak

    es = _espeak(pid)
    fn = es.lib.espeak_TextToPhonemes
    fn.argtypes = [ctypes.POINTER(ctypes.c_void_p), ctypes.c_int, ctypes.c_int]
    fn.restype = ctypes.c_char_p
    return es


def _espeak_ipa(text: str) -> str:
    """en-us IPA of one clause (no punctuation) with "^" ties."""
    es = _espeak_phonemizer(os.getpid())
    data = text.encode("utf-8") + b"\0"
    buf = ctypes.create_string_buffer(data, len(data))
    ptr = ctypes.c_void_p(ctypes.addressof(buf))
    out: list[str] = []
    with es.lock:  # the library is global state shared with the offline engine
        if es.lib.espeak_SetVoiceByName(b"en-us") != 0:
            raise EngineError("eSpeak NG has no en-us voice; reinstall espeakng-loader.")
        while ptr.value:
            res = es.lib.espeak_TextToPhonemes(ctypes.byref(ptr), _UTF8, _IPA_WITH_TIE)
            if res:
                out.append(res.decode("utf-8", errors="replace"))
    return " ".join(p.strip() for p in out if p.strip())


def _to_kokoro(ipa: str) -> str:
    e2m = _tables()[0]
    ipa = re.sub(r"(\S)\u0329", r"ᵊ\1", ipa)  # syllabic consonant: schwa before it (misaki's rule)
    for old, new in e2m:
        ipa = ipa.replace(old, new)
    return ipa


def english_phonemes(text: str) -> str:
    """Kokoro phonemes of English text, clause punctuation kept."""
    text = _LETTER_RUN_RE.sub(lambda m: m.group(0).replace(" ", ""), _fold_punctuation(text))
    parts: list[str] = []
    for piece in _CLAUSE_RE.split(text):
        if not piece.strip():
            continue
        if _CLAUSE_RE.fullmatch(piece):
            parts.append(piece)
        else:
            parts.append(" " + _to_kokoro(_espeak_ipa(piece.strip())))
    return "".join(parts).strip()


@lru_cache(maxsize=1)
def _zh_g2p() -> Any:
    try:
        from misaki.zh import ZHG2P
    except ImportError as e:
        raise EngineError(
            "The Kokoro engine needs misaki's Chinese G2P; run `pip install 'misaki[zh]'`."
        ) from e
    jieba()  # misaki cuts words with jieba: load it through voicer, without its chatter
    return ZHG2P()  # default version: IPA with tone arrows, what Kokoro v1.0 expects


def chinese_phonemes(text: str) -> str:
    phonemes, _ = _zh_g2p()(text)
    return _fold_punctuation(phonemes or "").strip()


def phonemize(text: str, language: str) -> str:
    """Kokoro phonemes of one normalized chunk ("zh" turns may hold Latin spans)."""
    pieces: list[str] = []
    for span, lang in split_language_spans(text, language):
        ph = chinese_phonemes(span) if lang == "zh" else english_phonemes(span)
        if ph:
            pieces.append(ph)
    return " ".join(pieces)


def g2p_version() -> str:
    """What changes the phonemes (part of the engine's cache identity)."""
    from importlib.metadata import PackageNotFoundError, version

    from .offline import espeak_version

    try:
        misaki = version("misaki")
    except PackageNotFoundError:
        misaki = "missing"
    table = _DATA.read_bytes()
    import hashlib

    return f"misaki {misaki}; espeak-ng {espeak_version()}; table {hashlib.sha256(table).hexdigest()[:8]}"
