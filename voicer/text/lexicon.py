"""Pronunciation lexicons: written form -> what is spoken, per language.

A lexicon file is TOML with tables ``[zh]``, ``[en]`` and ``[all]`` (both
languages), each mapping a written form to its reading::

    [zh]
    "老黄" = "黄仁勋"
    "SIGGRAPH" = "Siggraph"

Bundled files live in ``voices/lexicon/``; user files given later win.
"""

from __future__ import annotations

import functools
import os
import re
from dataclasses import dataclass, field

from voicer.errors import InputError
from voicer.language import speech_codes

LANGUAGES = speech_codes()


@dataclass
class Lexicon:
    """Readings per language ("zh", "en"), later sources overriding earlier ones."""

    entries: dict[str, dict[str, str]] = field(default_factory=lambda: {"zh": {}, "en": {}})
    sources: list[str] = field(default_factory=list)
    """Files the entries were read from, in order."""

    def readings(self, language: str) -> dict[str, str]:
        return self.entries.get(language, {})

    def add(self, language: str, written: str, spoken: str) -> None:
        self.entries.setdefault(language, {})[written] = spoken


def _read_file(path: str | os.PathLike[str]) -> dict[str, dict[str, str]]:
    from voicer.text.tables import tomllib

    try:
        with open(path, "rb") as fh:
            data = tomllib.load(fh)
    except FileNotFoundError:
        raise InputError(f"Lexicon file {path} does not exist; check the path.") from None
    except (OSError, UnicodeDecodeError) as e:
        raise InputError(f"Lexicon file {path} cannot be read ({e}); check the file.") from None
    except tomllib.TOMLDecodeError as e:
        raise InputError(f"Lexicon file {path} is not valid TOML ({e}); fix that line.") from None
    out: dict[str, dict[str, str]] = {}
    for table_name, table in data.items():
        if table_name not in (*LANGUAGES, "all") or not isinstance(table, dict):
            raise InputError(
                f"Lexicon file {path} has '{table_name}' where only the tables [zh], [en] and [all] "
                'are allowed; put entries like "SIGGRAPH" = "Siggraph" under one of them.'
            )
        for written, spoken in table.items():
            if not isinstance(spoken, str) or not written.strip():
                raise InputError(
                    f"Lexicon file {path}: the entry '{written}' in [{table_name}] must be a quoted "
                    'reading; write it as "word" = "reading".'
                )
            for lang in LANGUAGES if table_name == "all" else (table_name,):
                out.setdefault(lang, {})[written] = spoken
    return out


def load_lexicon(paths: list[str | os.PathLike[str]] | None = None) -> Lexicon:
    """The bundled lexicons (``voices/lexicon/*.toml``) plus user files, which win.

    Raises InputError naming a user file that is missing or broken.
    """
    from voicer.resources import voices_dir

    lex = Lexicon()
    bundled = sorted((voices_dir() / "lexicon").glob("*.toml"))
    for path in [*bundled, *(paths or [])]:
        for lang, table in _read_file(path).items():
            for written, spoken in table.items():
                lex.add(lang, written, spoken)
        lex.sources.append(str(path))
    return lex


@functools.lru_cache(maxsize=1)
def default_lexicon() -> Lexicon:
    """The bundled lexicon (what ``normalize(..., lexicon=None)`` uses)."""
    return load_lexicon()


@functools.lru_cache(maxsize=64)
def compiled(items: tuple[tuple[str, str], ...]) -> re.Pattern[str] | None:
    """One regex matching any written form; Latin forms only as whole words."""
    if not items:
        return None
    parts = []
    for written, _ in sorted(items, key=lambda kv: len(kv[0]), reverse=True):
        pat = re.escape(written)
        if re.match(r"[A-Za-z0-9]", written):
            pat = r"(?<![A-Za-z0-9])" + pat
        if re.search(r"[A-Za-z0-9]$", written):
            pat += r"(?![A-Za-z0-9])"
        parts.append(pat)
    return re.compile("|".join(parts))
