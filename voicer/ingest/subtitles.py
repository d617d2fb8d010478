"""SRT and WebVTT: one segment per cue, with times; speakers from `<v Name>` or `Name:`."""

from __future__ import annotations

import html
import re
import warnings
from dataclasses import dataclass, field

from voicer.errors import VoicerWarning
from voicer.ingest.common import (
    Collector,
    Label,
    Parsed,
    accepted_labels,
    clean_inline,
    clean_lines,
    join_text,
    load_data,
    parse_label,
    speaker_key,
)
from voicer.model import MARKER_RE

_TIME = r"(?:\d+:)?\d{1,2}:\d{2}(?:[.,]\d{1,3})?"
TIMING_RE = re.compile(rf"^\s*({_TIME})\s*-->\s*({_TIME})(.*)$")
_VOICE_RE = re.compile(r"<v(?:\.[^\s>]*)?\s+([^>]+?)\s*>")
_TAG_RE = re.compile(r"</?[A-Za-z][^<>]*>|<\d[\d:.]*>")
_ASS_RE = re.compile(r"\{\\[^}]*\}")
_INLINE_TS_RE = re.compile(r"\[\s*\d{1,2}:\d{2}(?::\d{2})?(?:[.,]\d+)?\s*\]")
_HEADER_WORDS = ("WEBVTT", "NOTE", "STYLE", "REGION", "X-TIMESTAMP", "KIND:", "LANGUAGE:")

# A cue shorter than this that repeats the last line is a rolling-caption artefact.
ROLLING_DUPLICATE_MAX_S = 0.05


def parse_time(s: str) -> float:
    """ "01:02:03,456", "02:03.456" or "1:02:03" -> seconds."""
    s = s.strip().replace(",", ".")
    parts = s.split(":")
    secs = float(parts[-1])
    mins = int(parts[-2]) if len(parts) >= 2 else 0
    hours = int(parts[-3]) if len(parts) >= 3 else 0
    return hours * 3600 + mins * 60 + secs


@dataclass
class _Cue:
    start: float
    end: float
    line: int
    lines: list[str] = field(default_factory=list)


def _cues(text: str) -> list[_Cue]:
    lines = clean_lines(text)
    cues: list[_Cue] = []
    block: list[tuple[int, str]] = []

    def close() -> None:
        if not block:
            return
        first = block[0][1].strip()
        timings = [k for k, (_, s) in enumerate(block) if TIMING_RE.match(s)]
        broken = next(((n, s) for n, s in block if "-->" in s and not TIMING_RE.match(s)), None)
        if not timings and broken is not None:
            # "garbage --> more garbage": a cue whose time is not a time is skipped, never spoken.
            warnings.warn(
                f"line {broken[0]}: skipped a subtitle cue whose time {broken[1].strip()[:60]!r} "
                "is not HH:MM:SS,mmm --> HH:MM:SS,mmm; fix it to keep that cue.",
                VoicerWarning,
                stacklevel=2,
            )
            return
        if not timings:
            if not first.upper().startswith(_HEADER_WORDS) and cues:
                cues[-1].lines.extend(s for _, s in block)  # text after a stray blank line
            return
        # Lines before the first timing: the cue id last, anything else belongs to the previous cue.
        if timings[0] >= 2 and cues:
            cues[-1].lines.extend(s for _, s in block[: timings[0] - 1])
        for j, k in enumerate(timings):
            m = TIMING_RE.match(block[k][1])
            assert m is not None
            stop = timings[j + 1] - 1 if j + 1 < len(timings) else len(block)
            if j + 1 < len(timings) and not re.fullmatch(r"\s*\d+\s*", block[stop][1]):
                stop += 1  # no id line before the next timing
            cues.append(
                _Cue(
                    parse_time(m.group(1)),
                    parse_time(m.group(2)),
                    block[k][0],
                    [s for _, s in block[k + 1 : stop]],
                )
            )
        block.clear()

    for i, s in enumerate(lines):
        if s.strip():
            block.append((i + 1, s))
        else:
            close()
            block.clear()
    close()
    return cues


def _clean_lines(lines: list[str]) -> tuple[str | None, list[str]]:
    """Speaker from a voice tag, and the cue's lines without tags."""
    speaker = None
    out = []
    for s in lines:
        m = _VOICE_RE.search(s)
        if m:
            speaker = m.group(1)
        s = html.unescape(_ASS_RE.sub("", _TAG_RE.sub("", s)))
        s = re.sub(r"^\s*(?:>>+|[-–—]\s)\s*", "", s).strip()  # ">>" and "- " mark a new voice
        if s:
            out.append(s)
    return speaker, out


def _is_junk(text: str) -> bool:
    """[Music], ♪ lyrics ♪, "heat [00:18:12] heat": nothing a host could say."""
    data = load_data("subtitles.toml")
    t = MARKER_RE.sub(" ", text)
    t = _strip_music(t, data["music_symbols"])
    words = re.findall(r"[^\W_]+", t)
    junk = {w.casefold() for w in data["junk_cue_words"]}
    return all(w.casefold() in junk for w in words)


def _strip_music(text: str, symbols: str) -> str:
    sym = re.escape(symbols)
    text = re.sub(rf"[{sym}][^{sym}]*[{sym}]", " ", text)
    return re.sub(rf"[{sym}]", " ", text)


def parse_subtitles(text: str) -> Parsed:
    cues = _cues(text)
    cleaned: list[tuple[_Cue, str | None, list[str]]] = []
    candidates: list[Label] = []
    for cue in cues:
        voice, lines = _clean_lines(cue.lines)
        cleaned.append((cue, voice, lines))
        if lines and voice is None:
            lab = parse_label(lines[0])
            if lab is not None:
                candidates.append(lab)
    trusted = accepted_labels(candidates)
    symbols = load_data("subtitles.toml")["music_symbols"]

    out = Collector()
    current: str | None = None
    prev_lines: list[str] = []
    for cue, voice, lines in cleaned:
        # Rolling captions repeat the previous cue's last line first.
        if prev_lines and lines and lines[0] == prev_lines[-1]:
            if len(lines) >= 2:
                lines = lines[1:]
            elif cue.end - cue.start <= ROLLING_DUPLICATE_MAX_S:
                continue
        if not lines:
            continue
        prev_lines = lines
        text = ""
        for s in lines:
            text = join_text(text, s)
        if voice is not None:
            current = voice
        else:
            lab = parse_label(text)
            if lab is not None and speaker_key(lab.name) in trusted:
                current, text = lab.name, lab.rest
        text = _strip_music(_INLINE_TS_RE.sub(" ", text), symbols) if not _is_junk(text) else ""
        if text.strip():
            out.speech(clean_inline(text), current, cue.line, cue.start, cue.end)
    return Parsed(out.segments)


def has_cues(text: str) -> bool:
    return any(TIMING_RE.match(s) for s in clean_lines(text))
