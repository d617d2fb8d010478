"""One `Language` value, resolved once from ``voicer/data/languages.toml``: the
episode language ("zh", "en", "mixed") with the codes every stage and engine needs
and its speaking rate. Nothing else keeps a language table."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

from .errors import InputError

_TABLE = Path(__file__).resolve().parent / "data" / "languages.toml"


@lru_cache(maxsize=1)
def _table() -> dict[str, Any]:
    with open(_TABLE, "rb") as f:
        return tomllib.load(f)


@dataclass(frozen=True)
class Language:
    """An episode language and everything derived from it."""

    code: str
    """"zh", "en" or "mixed" (Mandarin with much English)."""
    name: str
    speech: str
    """What voices and engines speak: "zh" or "en" ("mixed" is spoken as Mandarin)."""
    iso639_1: str
    iso639_2: str
    bcp47: str
    coqui: str
    espeak: str
    words_per_second: float

    def rate(self, engine: str | None = None) -> float:
        """Words (Han characters and Latin words) per second, for `engine` when it has its own."""
        per_engine = _table().get("rates", {}).get(engine or "", {})
        return float(per_engine.get(self.code, self.words_per_second))

    def __str__(self) -> str:
        return self.code


def codes() -> tuple[str, ...]:
    """Every episode language code ("zh", "en", "mixed")."""
    return tuple(k for k, v in _table().items() if k != "rates" and isinstance(v, dict))


def speech_codes() -> tuple[str, ...]:
    """The languages voices speak ("zh", "en")."""
    return tuple(dict.fromkeys(language(c).speech for c in codes()))


@cache
def _resolve(code: str) -> Language:
    return Language(code=code, **_table()[code])


def language(value: str | Language) -> Language:
    """The `Language` for "zh", "en", "mixed" (any case; "zh-CN", "cmn", "en-US", "en_GB"
    and "chinese"/"english" too); `InputError` for any other."""
    if isinstance(value, Language):
        return value
    key = (value or "").strip().lower().replace("_", "-")
    aliases = {"cmn": "zh", "chinese": "zh", "mandarin": "zh", "english": "en", "zh-en": "mixed"}
    key = aliases.get(key, key)
    if key not in codes():
        base = key.split("-")[0]
        if base in ("zh", "en") and key != base:
            key = base
        else:
            raise InputError(
                f"Language '{value}' is not supported; use zh (Mandarin), en (English) or mixed."
            )
    return _resolve(key)


def speech_language(value: str | Language) -> str:
    """ "zh" or "en": the language `value` is spoken in."""
    return language(value).speech
