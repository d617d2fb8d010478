"""chunk(): split speakable text into pieces an engine accepts, at clause boundaries.

Boundaries are tried from strongest to weakest: sentence ends, then ; and :, then commas,
then spaces (English) or word boundaries (Mandarin, by jieba). A number reading
("三十五万", "four hundred and five"), a spelled acronym ("G P U") or a Latin word is never cut.
"""

from __future__ import annotations

import re

from voicer.text.normalize import language_code
from voicer.text.tables import table

# Split after these (the delimiter stays with the text before it).
_LEVELS = (
    re.compile(r"[。！？!?…\n]+[”’」』）)\"']*\s*|\.(?:\s+|$)"),
    re.compile(r"[；;：:]+\s*"),
    re.compile(r"[，,、—]+\s*"),
)
_ZH_NUMERAL = set("零〇一二三四五六七八九十百千万亿两幺点负")
_EN_NUMBER_WORDS = frozenset(
    "zero oh one two three four five six seven eight nine ten eleven twelve thirteen fourteen "
    "fifteen sixteen seventeen eighteen nineteen twenty thirty forty fifty sixty seventy eighty "
    "ninety hundred thousand million billion trillion point and minus".split()
)
_WORD_RE = re.compile(r"\S+")


def default_max_chars(language: str) -> int:
    """What XTTS accepts: ~82 characters for zh-cn, ~250 for en (voicer/text/data/*.toml)."""
    return int(table(language_code(language))["max_chars"])


def _split_at(pattern: re.Pattern[str], text: str) -> list[str]:
    pieces, start = [], 0
    for m in pattern.finditer(text):
        if m.end() > start:
            pieces.append(text[start : m.end()])
            start = m.end()
    if start < len(text):
        pieces.append(text[start:])
    return pieces


def _is_number_word(word: str) -> bool:
    return word.strip(",.;:!?").lower().split("-")[0] in _EN_NUMBER_WORDS


def _glued(prev: str, word: str) -> bool:
    if _is_number_word(prev) and _is_number_word(word):
        return True  # "four hundred | and five"
    # a spelled acronym or a letter with its number: "G P U", "H one hundred"
    return len(prev) == 1 and prev.isupper() and (len(word.strip(",.;:!?")) == 1 or _is_number_word(word))


def _en_words(text: str) -> list[str]:
    """Split at spaces, except inside a number reading or a spelled acronym."""
    pieces: list[str] = []
    prev = ""
    last_end = 0
    for m in _WORD_RE.finditer(text):
        word = m.group(0)
        if not pieces:
            pieces.append(text[: m.end()])
        elif _glued(prev, word):
            pieces[-1] += text[last_end : m.end()]
        else:
            pieces[-1] += text[last_end : m.start()]  # the space stays with the piece before
            pieces.append(word)
        last_end = m.end()
        prev = word
    if pieces:
        pieces[-1] += text[last_end:]
    return pieces or [text]


def _kind(ch: str) -> str:
    if ch.isascii() and ch.isalnum() or ch in "'’-.":
        return "L"
    if ch in _ZH_NUMERAL:
        return "N"
    if ch.isspace():
        return "S"
    return "H"


def _zh_words(text: str) -> list[str]:
    """jieba words, glued back where Latin, numerals and spaces meet ("H 一百", "三十五万")."""
    from ..resources import jieba as _jieba  # lazily: loading its dictionary takes a second

    jieba = _jieba()
    pieces: list[str] = []
    for word in jieba.cut(text, HMM=False):
        if pieces:
            a, b = _kind(pieces[-1][-1]), _kind(word[0])
            glued = a != "H" and b != "H"
            if glued and a == "S" and b == "L" and _breakable_space(pieces[-1], word):
                glued = False
            if glued or word.isspace():
                pieces[-1] += word
                continue
        pieces.append(word)
    return pieces


def _breakable_space(before: str, after: str) -> bool:
    # Between two Latin words of 2+ letters ("Segment Anything") a space may be cut.
    prev_word = before.split()[-1] if before.split() else ""
    return len(prev_word) > 1 and prev_word.isalpha() and len(after) > 1 and after.isalpha()


def _pieces(text: str, max_chars: int, lang: str, level: int = 0) -> list[str]:
    """Split `text` until every piece fits, or cannot be split without cutting a word."""
    if len(text.strip()) <= max_chars:
        return [text]
    if level < len(_LEVELS):
        parts = _split_at(_LEVELS[level], text)
    elif level == len(_LEVELS):
        parts = _zh_words(text) if lang == "zh" else _en_words(text)
    else:
        return [text]  # one word longer than max_chars: kept whole
    if len(parts) == 1:
        return _pieces(text, max_chars, lang, level + 1)
    out: list[str] = []
    for part in parts:
        out.extend(_pieces(part, max_chars, lang, level + 1))
    return out


def _speakable(piece: str) -> bool:
    return any(ch.isalnum() for ch in piece)


def chunk(text: str, max_chars: int | None = None, language: str = "zh") -> list[str]:
    """Pieces of at most `max_chars` characters (default: the engine limit for the language),
    split at the strongest clause boundary that fits. Joining the pieces gives back the text
    (up to whitespace at the joins); no piece is empty or punctuation alone."""
    lang = language_code(language)
    if max_chars is None:
        max_chars = default_max_chars(lang)
    if max_chars < 1:
        raise ValueError("max_chars must be at least 1")
    if not text.strip():
        return []
    chunks: list[str] = []
    current: list[str] = []

    def size(pieces: list[str]) -> int:
        return len("".join(pieces).strip())

    for piece in _pieces(text, max_chars, lang):
        if not current or size([*current, piece]) <= max_chars:
            current.append(piece)
        elif _speakable(piece):
            chunks.append("".join(current))
            current = [piece]
        elif len(current) > 1 and size([current[-1], piece]) <= max_chars:
            # Punctuation stays with its clause: carry the clause's last word over with it.
            last = current.pop()
            chunks.append("".join(current))
            current = [last, piece]
        else:
            current.append(piece)  # cannot fit otherwise: a little over the limit
    if current:
        tail = "".join(current)
        if chunks and not _speakable(tail):
            chunks[-1] += tail
        else:
            chunks.append(tail)
    return [c.strip() for c in chunks if c.strip()]
