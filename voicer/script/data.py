"""Load the script stage's data tables (phrase banks, cue lists, stop words)."""

from __future__ import annotations

import functools
import tomllib
from pathlib import Path
from typing import Any

_DATA = Path(__file__).resolve().parent / "data"

# Duration estimate used for chapter sizes: the one place speech rate lives.
ZH_CHARS_PER_SECOND = 4.5
EN_WORDS_PER_SECOND = 2.5


def bank_language(language: str) -> str:
    """The phrase bank for a transcript language ("mixed" is spoken as Chinese)."""
    return "en" if language == "en" else "zh"


@functools.lru_cache(maxsize=4)
def bank(language: str) -> dict[str, Any]:
    """The phrase bank / cue table for "zh" or "en" (read-only: do not mutate)."""
    with open(_DATA / f"{bank_language(language)}.toml", "rb") as f:
        return tomllib.load(f)


@functools.lru_cache(maxsize=4)
def stopwords(language: str) -> frozenset[str]:
    path = _DATA / f"stopwords.{bank_language(language)}.txt"
    words = (line.strip() for line in path.read_text(encoding="utf-8").splitlines())
    return frozenset(w.lower() for w in words if w and not w.startswith("#"))


def speech_seconds(text: str, language: str) -> float:
    """Estimated seconds to speak `text` (markers excluded)."""
    from voicer.model import spoken_text

    from .sentences import han_count, latin_words

    text = spoken_text(text)
    if bank_language(language) == "en":
        return len(latin_words(text)) / EN_WORDS_PER_SECOND
    # Latin words inside Chinese take about as long as two Han characters.
    return (han_count(text) + 2 * len(latin_words(text))) / ZH_CHARS_PER_SECOND
