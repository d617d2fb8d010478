"""Language of a transcript: "zh", "en" or "mixed" (Chinese with much English)."""

from __future__ import annotations

import re

_HAN_RE = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_LATIN_WORD_RE = re.compile(r"[A-Za-z]+(?:['’\-][A-Za-z]+)*")
_MARKER_RE = re.compile(r"\[[^\[\]\n]*\]")

# One English word takes about as long to say as two Han characters, so shares are of
# speaking time: "mixed" from a quarter English, "en" from nine tenths.
LATIN_WORD_WEIGHT = 2.0
MIXED_LATIN_SHARE = 0.25
EN_LATIN_SHARE = 0.9


def latin_share(text: str) -> float:
    """Share of the speaking time taken by Latin-script words (0.0 .. 1.0)."""
    text = _MARKER_RE.sub(" ", text)
    han = len(_HAN_RE.findall(text))
    latin = LATIN_WORD_WEIGHT * len(_LATIN_WORD_RE.findall(text))
    return latin / (han + latin) if han + latin else 0.0


def detect_language(text: str) -> str:
    """ "zh", "en" or "mixed" from the share of speaking time in Latin-script words
    (Chinese with a large share of English is "mixed"). No Han characters: "en"."""
    if not _HAN_RE.search(text):
        return "en"
    share = latin_share(text)
    if share >= EN_LATIN_SHARE:
        return "en"
    if share >= MIXED_LATIN_SHARE:
        return "mixed"
    return "zh"
