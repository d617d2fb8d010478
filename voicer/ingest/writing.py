"""Which writing systems a transcript's letters are in: voicer speaks Mandarin and English,
so a transcript in Arabic, Russian, Japanese... is refused naming its language."""

from __future__ import annotations

import unicodedata
from collections import Counter

from voicer.errors import InputError
from voicer.ingest.common import load_data

_SAMPLE = 200_000  # characters looked at: enough to decide, bounded on huge inputs


def _system(ch: str) -> str:
    try:
        return unicodedata.name(ch).split(" ", 1)[0]
    except ValueError:
        return ""


def unsupported_language(text: str) -> str | None:
    """The language a text is mostly written in when voicer cannot speak it, else None."""
    table = load_data("writing_systems.toml")
    names: dict[str, str] = table["names"]
    counts: Counter[str] = Counter()
    for ch in text[:_SAMPLE]:
        if ch.isalpha():
            counts[_system(ch)] += 1
    letters = sum(counts.values())
    if not letters:
        return None
    kana = counts["HIRAGANA"] + counts["KATAKANA"]
    han = counts["CJK"]
    if kana and kana >= table["limits"]["kana_share"] * (kana + han) and kana + han >= letters / 2:
        return names["HIRAGANA"]
    foreign = Counter({k: n for k, n in counts.items() if k in names})
    if sum(foreign.values()) > table["limits"]["foreign_share"] * letters:
        return names[foreign.most_common(1)[0][0]]
    return None


def check_supported(text: str, name: str) -> None:
    """InputError naming the language when `text` is in one voicer cannot speak."""
    lang = unsupported_language(text)
    if lang:
        raise InputError(
            f"{name} is in {lang}, which voicer cannot speak yet; give a Mandarin or English transcript."
        )
