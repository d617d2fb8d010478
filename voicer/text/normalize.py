"""normalize(): raw turn text -> what an engine should speak."""

from __future__ import annotations

import functools
import re
import unicodedata

from voicer.ingest import drop_asides
from voicer.text import en, zh
from voicer.text.lexicon import Lexicon, compiled, default_lexicon
from voicer.text.markup import strip_unspoken

# Lexicon readings are swapped for private-use placeholders so no later rule touches them.
_PLACEHOLDER_BASE = 0xF0000
_PLACEHOLDER_RE = re.compile("[\U000f0000-\U000ffffd]")
_NEWLINE_RE = re.compile(r"[ \t]*\n[\s]*")
_ENDS_CLAUSE = set("，。！？；：、,.!?;:…—-")


def language_code(language: str) -> str:
    """ "zh" or "en" ("mixed" reads as Mandarin); anything else is a user mistake."""
    from voicer.language import speech_language

    return speech_language(language)


_LINE_BREAKS_RE = re.compile(r"\r\n?|[\x0b\x0c\x1c-\x1e\x85\u2028\u2029]")
_DIGIT_RE = re.compile(r"[^\x00-\x7f](?<=\d)")
_INVISIBLE_RE = re.compile(r"[\x00-\x08\x0e-\x1b\x1f\x7f-\x84\x86-\x9f\u200b-\u200d\u2060\ufeff]")


def _join_lines(text: str, lang: str) -> str:
    # Every kind of line break is one; control and zero-width characters are never spoken.
    text = _INVISIBLE_RE.sub("", _LINE_BREAKS_RE.sub("\n", text)).strip()
    # Any script's decimal digit ("٣", "᪀", full-width) is read as the number it is.
    text = _DIGIT_RE.sub(lambda m: str(unicodedata.decimal(m.group(0))), text)

    # A line break ends a clause (subtitle lines have no punctuation): keep a pause there.
    def repl(m: re.Match[str]) -> str:
        # The pattern eats spaces before the break, so the character before it is text.
        if m.start() == 0 or text[m.start() - 1] in _ENDS_CLAUSE:
            return "" if lang == "zh" else " "
        return "，" if lang == "zh" else ", "

    return _NEWLINE_RE.sub(repl, text)


@functools.lru_cache(maxsize=4096)
def _reading(spoken: str, lang: str) -> str:
    """A lexicon reading, itself normalized (without the lexicon) so "NV Link" -> "N V Link"."""
    return _normalize(spoken, lang, None)


def _normalize(text: str, lang: str, lexicon: Lexicon | None) -> str:
    text = strip_unspoken(text)
    # An aside broken over lines is one once they are joined: "(\nlaughs)".
    text = drop_asides(_join_lines(text, lang))
    readings: list[str] = []
    if lexicon is not None:
        table = lexicon.readings(lang)
        pattern = compiled(tuple(sorted(table.items())))
        if pattern is not None:

            def protect(m: re.Match[str]) -> str:
                readings.append(_reading(table[m.group(0)], lang))
                return chr(_PLACEHOLDER_BASE + len(readings) - 1)

            text = pattern.sub(protect, text)
    module = zh if lang == "zh" else en
    text = module.punctuate(module.read_numbers(text))
    if readings:
        text = _PLACEHOLDER_RE.sub(lambda m: readings[ord(m.group(0)) - _PLACEHOLDER_BASE], text)
    return text


def normalize(text: str, language: str, lexicon: Lexicon | None = None) -> str:
    """Speakable text: markers, stage directions and markdown removed, numbers read in
    context, acronyms spelled ("G P U"), lexicon readings applied (the bundled lexicon when
    `lexicon` is None). `language` is "zh", "en" or "mixed" (read as "zh")."""
    lang = language_code(language)
    return _normalize(text, lang, default_lexicon() if lexicon is None else lexicon)
