"""Latin words inside either language: keep words, spell acronyms, read attached numbers.

Representation (documented in voicer.text):
- an acronym is written as its capital letters separated by single spaces ("GPU" -> "G P U"),
  so every engine spells it; a plural acronym drops the "s" in Mandarin ("LLMs" -> "L L M")
  and keeps it as "'s" in English ("L L M's");
- all-caps words said as words (data/acronyms.toml) are written in mixed case ("CUDA" -> "Cuda");
- other words stay as written ("Meta", "PyTorch", "Ray-Ban"); an all-caps acronym glued to a word
  is split off ("MetaAI" -> "Meta A I", "ChatGPT" -> "Chat G P T");
- digits inside a word are read in the episode language, separated by a space
  ("H100" -> "H 一百", "GPT-4" -> "G P T 四", "Qwen2.5-72B" -> "Qwen 二点五 七十二 B").
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable

from voicer.text.tables import table

# A Latin-led token: letters, then letters/digits, joined by . - ' (llama3.1, GPT-4, Ray-Ban).
TOKEN_RE = re.compile(r"(?<![A-Za-z0-9])[A-Za-z][A-Za-z0-9]*(?:[.\-'’][A-Za-z0-9]+)*")
_PART_RE = re.compile(r"[A-Za-z]+|\d+(?:\.\d+)*|[.\-'’]")
_DOTTED_LETTERS_RE = re.compile(r"^(?:[A-Za-z]\.)+[A-Za-z]$")
# "U.S." / "U.S.A.": letters with periods, the last period included (it ends no sentence).
DOTTED_RE = re.compile(r"(?<![A-Za-z0-9.])(?:[A-Za-z]\.){2,}(?![A-Za-z0-9])")
_CAMEL_RE = re.compile(r"[A-Z]{2,}(?=[A-Z][a-z]|$)|[A-Z]?[a-z]+|[A-Z]+")
_PLURAL_ACRONYM_RE = re.compile(r"^([A-Z]{2,})s$")


@functools.lru_cache(maxsize=1)
def said_as_words() -> dict[str, str]:
    return dict(table("acronyms")["words"])


def spell(letters: str) -> str:
    return " ".join(letters.upper())


def read_word(word: str, language: str) -> str:
    """One run of letters: acronyms spelled, words kept."""
    words = said_as_words()
    if word in words:
        return words[word]
    m = _PLURAL_ACRONYM_RE.match(word)
    if m and m.group(1) not in words:
        return spell(m.group(1)) + ("" if language == "zh" else "'s")
    if word.isupper():
        if len(word) == 1:
            return word
        # Long all-caps runs are shouted words ("EVERYTHING"), unless they have no vowel.
        if len(word) <= 5 or not re.search(r"[AEIOUY]", word):
            return spell(word)
        return word.capitalize()
    pieces = _CAMEL_RE.findall(word)
    if len(pieces) > 1 and any(len(p) > 1 and p.isupper() for p in pieces):
        out: list[str] = []
        for p in pieces:
            if len(p) > 1 and p.isupper():
                out.append(read_word(p, language))
            elif out and not (out[-1].isupper() or out[-1] in words.values()):
                out[-1] += p  # rejoin plain camel-case pieces ("Py"+"Torch")
            else:
                out.append(p)
        return " ".join(out)
    return word


def read_token(token: str, language: str, read_number: Callable[[str], str]) -> str:
    """A Latin-led token such as "Llama3.1", "GPT-4", "Ray-Ban", "U.S"."""
    if _DOTTED_LETTERS_RE.match(token):
        return spell(token.replace(".", ""))
    parts = _PART_RE.findall(token)
    out: list[str] = []
    prev_kind = ""
    for i, part in enumerate(parts):
        nxt = parts[i + 1] if i + 1 < len(parts) else ""
        if part[0].isalpha():
            text, kind = read_word(part, language), "word"
        elif part[0].isdigit():
            text, kind = read_number(part), "number"
        elif part == "-" and prev_kind == "word" and nxt[:1].isalpha():
            out.append("-")  # a hyphenated word (Ray-Ban, B-roll)
            prev_kind = "joiner"
            continue
        elif part in "'’" and prev_kind == "word":
            out.append(part)  # apostrophe (Zuck's, don't)
            prev_kind = "joiner"
            continue
        elif part == "." and prev_kind == "word" and nxt[:1].isalpha():
            out.append(" 点 " if language == "zh" else " dot ")  # a domain name: meta.com
            prev_kind = "joiner"
            continue
        else:
            continue  # "-" or "." between a word and a number: a pause at most
        if out and prev_kind in ("word", "number"):
            out.append(" ")
        out.append(text)
        prev_kind = kind
    return "".join(out)
