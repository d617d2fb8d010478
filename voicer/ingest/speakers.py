"""One speaker, one voice: labels that abbreviate a name written in full elsewhere in the
transcript ("刘:" for "刘铮:", "陈 晓薇:" and "陈:" for "陈晓薇:", "Jensen:" for "Jensen
Huang:") are merged into the full name, and the merge is said in a note that the script
writes as a comment, so an editor can undo it."""

from __future__ import annotations

import re
import unicodedata

from voicer.model import Segment

_HAN_RE = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_MAX_HAN_EXTRA = 3
"""A Han abbreviation leaves out at most this many characters (Chinese names: 2-4)."""

NOTE_KEY = "speakers_merged"
"""Transcript.meta key of the note saying which labels were merged."""


def _key(name: str) -> str:
    """Spelling-free identity: width, case and spacing ("陈 晓薇" = "陈晓薇", "ann lee" = "Ann Lee")."""
    name = unicodedata.normalize("NFKC", name).casefold().strip()
    if _HAN_RE.search(name):
        return re.sub(r"[\s·・.]+", "", name)
    return " ".join(name.split())


def _abbreviates(short: str, full: str) -> bool:
    """`short` (a key) is a shorter form of `full` (another key)."""
    if short == full or not full.startswith(short):
        return False
    if _HAN_RE.match(short):
        return len(full) - len(short) <= _MAX_HAN_EXTRA and bool(_HAN_RE.match(full[len(short)]))
    return full[len(short)] == " "  # a first name of a full name: "jensen" of "jensen huang"


def merge_speakers(segments: list[Segment]) -> dict[str, str]:
    """Rename abbreviated and respaced labels in place to the full name; {label: full name}
    for every label renamed."""
    spelling: dict[str, str] = {}
    for s in segments:
        if s.speaker:
            spelling.setdefault(_key(s.speaker), s.speaker)  # the first spelling seen
    keys = list(spelling)
    target: dict[str, str] = {}
    for k in keys:
        longer = [f for f in keys if _abbreviates(k, f)]
        # Only an unambiguous abbreviation: "刘" with both "刘铮" and "刘强" stays itself.
        full = max(longer, key=len) if longer else None
        if full is not None and all(_abbreviates(f, full) or f == full for f in longer):
            target[k] = full
    renamed: dict[str, str] = {}
    for s in segments:
        if not s.speaker:
            continue
        k = _key(s.speaker)
        name = spelling[target.get(k, k)]
        if name != s.speaker:
            renamed[s.speaker] = name
            s.speaker = name
    return renamed


def merge_note(renamed: dict[str, str], language: str) -> str:
    """The comment telling an editor which labels became one speaker."""
    groups: dict[str, list[str]] = {}
    for short, full in renamed.items():
        groups.setdefault(full, []).append(short)
    if language == "en":
        parts = [" and ".join(f"'{s}'" for s in shorts) + f" as '{full}'" for full, shorts in groups.items()]
        return "Speakers merged (one voice each): " + "; ".join(parts) + "."
    parts = ["、".join(f"「{s}」" for s in shorts) + f"即「{full}」" for full, shorts in groups.items()]
    return "已合并同一说话人（同一个声音）：" + "；".join(parts) + "。"
