"""Sentences, words and sizes for the script stage.

A *sentence* is the script stage's unit of segmentation (what the "every sentence exactly
once" and "at most 4 sentences per turn" rules count). `split_sentences` keeps the source's
sentence-final punctuation and restores punctuation where the source has none
(`punctuate.restore`: jieba words, discourse markers, final particles, lengths; linear in the
input). Only punctuation is ever added: the characters of the source (`content_chars`) come out
unchanged and in order.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from voicer.model import spoken_text

from ..resources import jieba
from .data import bank_language

_HAN_RE = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_LATIN_WORD_RE = re.compile(r"[A-Za-z0-9]+(?:['’.\-][A-Za-z0-9]+)*")
_CONTENT_RE = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaffA-Za-z0-9]")


def han_count(text: str) -> int:
    return len(_HAN_RE.findall(text))


def latin_words(text: str) -> list[str]:
    return _LATIN_WORD_RE.findall(text)


def content_chars(text: str) -> str:
    """Han characters, Latin letters and digits of the spoken text, in order
    (what must survive segmentation and casting unchanged)."""
    return "".join(_CONTENT_RE.findall(spoken_text(text)))


def size(text: str, language: str) -> int:
    """Length for the turn/sentence limits: Han characters (zh) or words (en)."""
    text = spoken_text(text)
    return len(latin_words(text)) if bank_language(language) == "en" else han_count(text)


_jieba = jieba  # loaded once, in .data (shared by punctuate and chapters)


def words(text: str, language: str) -> list[str]:
    """Words of `text` (jieba for Chinese), markers and punctuation removed."""
    text = spoken_text(text)
    if bank_language(language) == "en":
        return [w.lower() for w in latin_words(text)]
    return [w for w in _jieba().lcut(text) if w.strip() and _CONTENT_RE.search(w)]


def split_sentences(
    text: str,
    language: str,
    punctuation: str = "model",
    progress: Callable[[str], None] | None = None,
) -> list[str]:
    """Sentences of `text` ("zh", "en" or "mixed"), punctuation restored where the source
    has none (`punctuate.restore`; linear in the length of the text). `punctuation`: a method
    of `punctuate.METHODS` ("auto" is resolved by `punctuate.method`); `progress` gets a line
    when the language model starts reading (it takes seconds per thousand characters)."""
    from .punctuate import method, restore

    how = method(punctuation)
    sentences = restore(text, language, punctuation=how, progress=progress)
    return [s for s in sentences if content_chars(s) or s.strip()]


def speech_seconds(text: str, language: str) -> float:
    """Estimated seconds to speak `text` (markers excluded)."""
    from voicer.language import language as _language

    lang = _language(bank_language(language))  # the speaking rate lives in the Language table
    text = spoken_text(text)
    if lang.speech == "en":
        return len(latin_words(text)) / lang.words_per_second
    # Latin words inside Chinese take about as long as two Han characters.
    return (han_count(text) + 2 * len(latin_words(text))) / lang.words_per_second
