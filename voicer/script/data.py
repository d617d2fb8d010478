"""Load the script stage's data tables (phrase banks, cue lists, stop words)."""

from __future__ import annotations

import functools
import tomllib
from pathlib import Path
from typing import Any

_DATA = Path(__file__).resolve().parent / "data"


def bank_language(language: str) -> str:
    """The phrase bank for a transcript language ("mixed" is spoken as Chinese)."""
    from voicer.language import speech_language

    return speech_language(language)


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


