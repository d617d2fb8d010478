"""Timestamped speaker transcripts common in podcasts:
`0:01:41.2 **Name** text`, `[00:01:41] Name: text`, `Name (01:41): text`, or
Otter-style `Name  0:03` on its own line followed by the text."""

from __future__ import annotations

import re
from dataclasses import dataclass

from voicer.ingest.common import (
    Collector,
    Parsed,
    clean_inline,
    clean_lines,
    join_text,
    normalize_speaker,
    parse_label,
    valid_speaker_name,
)
from voicer.ingest.subtitles import parse_time

_TS = r"(?:\d{1,2}:)?\d{1,2}:\d{2}(?:[.,]\d{1,3})?"
LEAD_RE = re.compile(rf"^\s*[\[(]?({_TS})[\])]?(?=\s|$)\s*[-–—|]?\s*(.*)$")
# The time after a name is bracketed, followed by a colon, or alone on the line (Otter): a bare
# time in a sentence ("Meeting at 10:30 today.") is no timestamp.
NAME_FIRST_RE = re.compile(
    rf"^\s*(?:\*\*)?([^\W\d][^\[\]()<>:：*]{{0,39}}?)(?:\*\*)?\s+"
    rf"(?:[\[(]({_TS})[\])]\s*[:：]?|({_TS})\s*[:：]|({_TS})\s*$)\s*(.*)$"
)
_BOLD_NAME_RE = re.compile(r"^\*\*([^*:：]{1,40}?)\s*[:：]?\s*\*\*\s*[:：]?\s*")

# Share of lines (or paragraphs) starting with a timestamp above which a text is this format.
MIN_SHARE = 0.3


def _match(line: str) -> tuple[float, str | None, str] | None:
    """(start seconds, speaker or None, rest of the line) for a timestamped line."""
    m = LEAD_RE.match(line)
    if m:
        rest = m.group(2)
        b = _BOLD_NAME_RE.match(rest)
        if b and valid_speaker_name(normalize_speaker(b.group(1))):
            return parse_time(m.group(1)), normalize_speaker(b.group(1)), rest[b.end() :]
        lab = parse_label(rest)
        if lab is not None:
            return parse_time(m.group(1)), lab.name, lab.rest
        return parse_time(m.group(1)), None, rest
    m = NAME_FIRST_RE.match(line)
    if m and valid_speaker_name(normalize_speaker(m.group(1))):
        stamp = m.group(2) or m.group(3) or m.group(4)
        return parse_time(stamp), normalize_speaker(m.group(1)), m.group(5)
    return None


def looks_timestamped(text: str) -> bool:
    lines = [s for s in clean_lines(text) if s.strip()]
    if not lines:
        return False
    hits = sum(1 for s in lines if _match(s))
    paras = max(1, len([p for p in re.split(r"\n\s*\n", "\n".join(clean_lines(text))) if p.strip()]))
    return hits >= 2 and max(hits / len(lines), hits / paras) >= MIN_SHARE


@dataclass
class _Pending:
    start: float | None = None
    speaker: str | None = None
    line: int | None = None
    text: str = ""


def parse_timestamped(text: str) -> Parsed:
    out = Collector()
    current: str | None = None
    pending = _Pending()

    def flush() -> None:
        nonlocal pending
        if pending.text.strip():
            out.speech(clean_inline(pending.text), pending.speaker, pending.line, pending.start)
        pending = _Pending()

    for i, line in enumerate(clean_lines(text)):
        s = line.strip()
        if not s:
            flush()
            continue
        m = _match(s)
        if m:
            flush()
            start, speaker, rest = m
            if speaker is not None:
                current = speaker
            pending = _Pending(start, current, i + 1, rest)
        elif pending.line is None:
            pending = _Pending(None, current, i + 1, s)  # a paragraph without a timestamp
        else:
            pending.text = join_text(pending.text, s)  # continuation of the timestamped line
    flush()
    return Parsed(out.segments)
