"""What a rewrite must keep, and what an added line must not invent: numbers, Latin
names and proper nouns (jieba's part-of-speech tags for Chinese), plus character
n-gram recall. Also a rough token count for fitting chapters into the context."""

from __future__ import annotations

import re
from collections import Counter

from voicer.model import spoken_text

_HAN = r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_NUMBER_RE = re.compile(r"\d+(?:[.,:]\d+)*")
_LATIN_RE = re.compile(r"[A-Za-z][A-Za-z0-9]*(?:[.\-+'][A-Za-z0-9]+)*")
_EN_NAME_RE = re.compile(r"(?<![.!?]\s)(?<!^)\b[A-Z][A-Za-z0-9]+(?:[.\-][A-Za-z0-9]+)*")
_PROPER_FLAGS = ("nr", "ns", "nt", "nz")
_CONTENT_RE = re.compile(rf"[{_HAN}A-Za-z0-9]")


def numbers(text: str) -> set[str]:
    return {m.replace(",", "") for m in _NUMBER_RE.findall(spoken_text(text))}


def latin_names(text: str, language: str) -> set[str]:
    """Latin words in Chinese text (all names: Meta, H100, llama3.1); capitalized words
    that do not open a sentence in English text."""
    text = spoken_text(text)
    if language == "en":
        return {w.lower() for w in _EN_NAME_RE.findall(text) if len(w) > 1}
    return {w.lower() for w in _LATIN_RE.findall(text)}


def proper_nouns(text: str, language: str) -> set[str]:
    """Names of people, places, organisations and other proper nouns (jieba, Chinese only)."""
    if language == "en":
        return set()
    import logging

    import jieba
    import jieba.posseg as pseg

    jieba.setLogLevel(logging.WARNING)  # its "Building prefix dict" chatter is noise for users
    return {
        w.word
        for w in pseg.cut(spoken_text(text))
        if w.flag in _PROPER_FLAGS and len(w.word) >= 2 and re.search(rf"[{_HAN}]", w.word)
    }


def facts(text: str, language: str) -> set[str]:
    return numbers(text) | latin_names(text, language) | proper_nouns(text, language)


def missing(source: str, output: str, language: str) -> list[str]:
    """The source's facts that `output` does not contain (in a stable order)."""
    out = spoken_text(output)
    lowered = out.lower()
    out_numbers = numbers(out)
    lost = []
    for fact in sorted(facts(source, language)):
        if fact[0].isdigit():
            ok = fact in out_numbers
        else:
            ok = fact in out or fact in lowered
        if not ok:
            lost.append(fact)
    return lost


def invented(line: str, source: str, language: str) -> list[str]:
    """Numbers and Latin names in an added `line` that the source never mentions."""
    src_numbers = numbers(source)
    src_words = latin_names(source, "zh")  # every Latin word of the source, lowercased
    new = [n for n in numbers(line) if n not in src_numbers]
    new += [w for w in latin_names(line, "zh") if w not in src_words]
    return sorted(set(new))


def _grams(text: str, language: str) -> Counter[str]:
    chars = "".join(_CONTENT_RE.findall(spoken_text(text).lower()))
    n = 4 if language == "en" else 2
    return Counter(chars[i : i + n] for i in range(len(chars) - n + 1))


def recall(source: str, output: str, language: str) -> float:
    """Share of the source's character n-grams (bigrams zh, 4-grams en) found in `output`."""
    src, out = _grams(source, language), _grams(output, language)
    total = sum(src.values())
    if not total:
        return 1.0
    return sum(min(c, out[g]) for g, c in src.items()) / total


def tokens(text: str) -> int:
    """A generous token estimate: a Han character ~1 token, a Latin word ~1.5, other marks ~0.5."""
    han = len(re.findall(rf"[{_HAN}]", text))
    latin = len(re.findall(r"[A-Za-z0-9]+", text))
    other = len(re.findall(rf"[^\s{_HAN}A-Za-z0-9]", text))
    return int(han + 1.5 * latin + 0.5 * other) + 1
