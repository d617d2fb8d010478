"""Parenthesized asides that are sounds, actions or transcribers' notes, never spoken.

One decision for both languages and both stages (ingest marks them ``[...]``, the text
normalizer drops any left in an edited script): by list (ingest/data/asides.toml ``words``,
``patterns``) and by shape: a label with a colon ("Intro music: ...", "Inaudible: 0:01:39.5
..."), a pronunciation ("/ˈprɪmər/"), a subject with a sound verb ("Typewriter Dings"), an
action in the third person ("clears throat"), a Chinese event ("电话铃响"). A parenthetical
with a first or second person word, a number on its own or a long clause stays speech.
"""

from __future__ import annotations

import functools
import re
import tomllib
from pathlib import Path
from typing import Any

# The brackets an aside is written in, and the content (no nested brackets, one line).
PAREN_RE = re.compile(r"[（(【]([^（）()【】\[\]\n]{1,80})[）)】]")
_TRAILING = "。.!！~～?？,，;；"
_IPA_RE = re.compile(r"[\u0250-\u02af\u02c8\u02cc\u02d0\u0259\u025a\u03b8\u00f0\u014b]")
_SLASHED_RE = re.compile(r"""^['"‘’“”\s]*/[^/\s][^/]*/['"‘’“”\s]*$""")
_WORD_RE = re.compile(r"[A-Za-z]+(?:['’\-][A-Za-z]+)*")
_ARTICLES = {"the", "a", "an", "his", "her", "their", "its"}


@functools.lru_cache(maxsize=1)
def _rules() -> dict[str, Any]:
    with open(Path(__file__).resolve().parent / "data" / "asides.toml", "rb") as f:
        data = tomllib.load(f)
    return {
        "words": frozenset(w.casefold() for w in data["words"]),
        "patterns": tuple(re.compile(p, re.IGNORECASE) for p in data["patterns"]),
        "verbs": frozenset(data["sound_verbs"]),
        "tails": frozenset(data["tails"]),
        "speech": frozenset(data["speech_words"]),
    }


def _sound_event(content: str, rules: dict[str, Any]) -> bool:
    """English: "[the] [subject] VERB [tail]" or "VERB [object...]" with at most 4 words."""
    if re.search(r"\d", content) or not re.fullmatch(r"[A-Za-z'’\-\s]+", content):
        return False
    words = [w.casefold() for w in _WORD_RE.findall(content)]
    if not words or len(words) > 4 or rules["speech"] & set(words):
        return False
    if words[0] in _ARTICLES:
        words = words[1:]
    verbs, tails = rules["verbs"], rules["tails"]
    if words and words[0] in verbs and len(words) <= 3:
        return True  # an action: "(clears throat)", "(sighs heavily)"
    for i in (1, 2):  # one or two subject words: "(Typewriter Dings)", "(phone rings again)"
        if len(words) > i and words[i] in verbs and all(w in tails for w in words[i + 1 :]):
            return True
    return False


def is_aside(content: str) -> bool:
    """True when the text between a pair of brackets is a sound, an action or a note."""
    c = content.strip().rstrip(_TRAILING).strip()
    if not c:
        return False
    rules = _rules()
    folded = c.casefold()
    if folded in rules["words"] or any(p.search(c) for p in rules["patterns"]):
        return True
    if _IPA_RE.search(c) or _SLASHED_RE.match(c):
        return True  # a pronunciation note: ( '/primər/ )
    return _sound_event(c, rules)


def mark_asides(text: str) -> str:
    """（笑） (Typewriter Dings) -> [笑] [Typewriter Dings]; other parentheticals stay as text."""

    def repl(m: re.Match[str]) -> str:
        inner = m.group(1).strip()
        return f"[{inner}]" if is_aside(inner) else m.group(0)

    return PAREN_RE.sub(repl, text)


def drop_asides(text: str) -> str:
    """Asides removed (what is left is spoken)."""
    return PAREN_RE.sub(lambda m: "" if is_aside(m.group(1)) else m.group(0), text)
